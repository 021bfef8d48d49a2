//! Leaving: QUIT-1, QUIT-2, LEAVE-1 … LEAVE-3.

use chat_protocol::wording;

use crate::support::{Server, TestClient, barrier, barrier_each_way};

/// `observer`'s next line is `name`'s leave, and nothing follows it: when eve joins next,
/// the observer's next lines are her join and her sentinel (LEAVE-1: announced once).
fn expect_leave_once(server: &Server, observer: &mut TestClient, name: &str) {
    observer.expect_line(&wording::leave_line(name));
    eve_joins_next(server, observer);
}

/// eve joins; `observer`'s next lines must be her join and her sentinel: nothing else came
/// first.
fn eve_joins_next(server: &Server, observer: &mut TestClient) {
    let mut eve = server.join_seen_by("eve", &mut [&mut *observer]);
    barrier(&mut eve, observer);
}

/// QUIT-1, QUIT-2, LEAVE-1: `salir` leaves: the others see the leave (not a chat line) and
/// the connection is closed.
#[test]
fn quit_1_2_salir_leaves_and_closes() {
    let server = Server::start();
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    bob.send_line("salir");
    ana.expect_line(&wording::leave_line("bob"));
    bob.expect_closed();
}

/// QUIT-1: surrounding whitespace (and CRLF) around `salir` is ignored.
#[test]
fn quit_1_salir_with_surrounding_whitespace() {
    let server = Server::start();
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    bob.send_raw(b" \t salir  \r\n");
    ana.expect_line(&wording::leave_line("bob"));
    bob.expect_closed();
}

/// QUIT-1, CHAT-3: `salir ya`, `Salir` and `salirr` are chat messages, not a quit.
#[test]
fn quit_1_only_the_exact_word_quits() {
    let server = Server::start();
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    for text in ["salir ya", "Salir", "salirr", "no salir"] {
        bob.say_to(text, &mut [&mut ana]);
    }
    barrier(&mut ana, &mut bob);
}

/// LEAVE-1: the leave is announced exactly once, to every remaining user.
#[test]
fn leave_1_announced_once_to_everyone() {
    let server = Server::start();
    let [mut ana, mut bob, mut eve] = server.room(["ana", "bob", "eve"]);
    bob.send_line("salir");
    ana.expect_line(&wording::leave_line("bob"));
    eve.expect_line(&wording::leave_line("bob"));
    bob.expect_closed();
    barrier_each_way(&mut eve, &mut ana);
}

/// LEAVE-2: a clean close (FIN) while idle is a leave, announced once.
#[test]
fn leave_2_fin_while_idle() {
    let server = Server::start();
    let [mut ana, bob] = server.room(["ana", "bob"]);
    bob.close();
    expect_leave_once(&server, &mut ana, "bob");
}

/// LEAVE-2: a reset (RST) while idle is a leave, announced once.
#[test]
fn leave_2_rst_while_idle() {
    let server = Server::start();
    let [mut ana, bob] = server.room(["ana", "bob"]);
    bob.reset();
    expect_leave_once(&server, &mut ana, "bob");
}

/// LEAVE-2: a FIN in the middle of a line: the partial line is never broadcast.
#[test]
fn leave_2_fin_mid_line_discards_the_partial_line() {
    let server = Server::start();
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    let complete = bob.say("completa");
    bob.send_raw(b"a medio escri");
    bob.close();
    ana.expect_line(&complete);
    expect_leave_once(&server, &mut ana, "bob");
}

/// LEAVE-2: an RST in the middle of a line: the partial line is never broadcast.
#[test]
fn leave_2_rst_mid_line_discards_the_partial_line() {
    let server = Server::start();
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    bob.say_to("completa", &mut [&mut ana]);
    bob.send_raw(b"a medio escri");
    bob.reset();
    expect_leave_once(&server, &mut ana, "bob");
}

/// LEAVE-3: after `salir` nothing more comes from the user (lines pipelined after `salir`
/// in the same write are not broadcast) and nothing more reaches it.
#[test]
fn leave_3_nothing_from_or_to_a_user_after_it_left() {
    let server = Server::start();
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    bob.send_raw(b"antes\nsalir\ndespues\n");
    ana.expect_line(&wording::chat_line("bob", "antes"));
    ana.expect_line(&wording::leave_line("bob"));
    ana.say("bob ya no me oye");
    bob.expect_closed();
    eve_joins_next(&server, &mut ana);
}
