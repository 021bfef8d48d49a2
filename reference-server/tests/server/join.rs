//! Joining: JOIN-1 … JOIN-6.

use chat_protocol::wording;

use crate::support::{Server, barrier, barrier_all};

/// JOIN-1: the first line is the name, without surrounding whitespace.
#[test]
fn join_1_name_is_the_first_line_trimmed() {
    let server = Server::start();
    let mut ana = server.join("ana");
    let mut bob = server.connect_as("bob");
    bob.send_raw(b" \t bob  \r\n");
    bob.expect_line(&wording::welcome_line("bob"));
    ana.expect_line(&wording::join_line("bob"));
    bob.say_to("hola", &mut [&mut ana]);
}

/// JOIN-2: every other user sees a join exactly once.
#[test]
fn join_2_every_other_user_sees_the_join_once() {
    let server = Server::start();
    let mut ana = server.join("ana");
    let mut bob = server.join_seen_by("bob", &mut [&mut ana]);
    let mut eve = server.join_seen_by("eve", &mut [&mut ana, &mut bob]);
    barrier_all(&mut eve, &mut [&mut ana, &mut bob]);
}

/// JOIN-3: the joiner never receives its own join line.
#[test]
fn join_3_joiner_does_not_see_its_own_join() {
    let server = Server::start();
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    barrier(&mut ana, &mut bob);
}

/// JOIN-4: no history: the joiner receives nothing sent before it joined.
#[test]
fn join_4_no_history() {
    let server = Server::start();
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    ana.say_to("antes de eve", &mut [&mut bob]);
    let mut eve = server.join("eve");
    barrier(&mut ana, &mut eve);
}

/// JOIN-5: the joiner's first line is the reference welcome line, and only once.
#[test]
fn join_5_welcome_line_first_and_once() {
    let server = Server::start();
    let mut ana = server.join("ana"); // expects the welcome line as the very first line
    let mut bob = server.join("bob");
    assert_eq!(
        ana.received(),
        ["Bienvenido al chat, ana. Escribe 'salir' para salir."]
    );
    ana.expect_line(&wording::join_line("bob"));
    barrier(&mut ana, &mut bob);
}

/// JOIN-6: a client that connects and never sends a name delays nobody.
#[test]
fn join_6_silent_client_does_not_block_others() {
    let server = Server::start();
    let _silent = server.connect();
    let mut half = server.connect();
    half.send_raw(b"nombre a med"); // a partial name, never finished
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    bob.say_to("hola", &mut [&mut ana]);
    barrier(&mut ana, &mut bob);
}
