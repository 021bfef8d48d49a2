//! Rejected input: INPUT-1 … INPUT-7.

use std::thread;

use chat_protocol::wording;

use crate::support::{Server, TestClient, barrier, barrier_all, barrier_each_way};

/// A present user, ana, who must not see anything because of someone else's bad name.
fn with_observer(server: &Server) -> TestClient {
    server.join("ana")
}

/// Sends `raw` as a name; expects `ERROR: {reason}` and a close; ana sees nothing.
fn refused_name(server: &Server, ana: &mut TestClient, raw: &[u8], reason: &str) {
    let mut client = server.connect();
    client.send_raw(raw);
    client.expect_refused(reason);
    let mut bob = server.join_seen_by("bob", &mut [&mut *ana]); // not a join of the refused name
    barrier(&mut bob, ana);
    bob.send_line("salir");
    ana.expect_line(&wording::leave_line("bob"));
    bob.expect_closed();
}

/// INPUT-1: an empty or whitespace-only name is refused; nobody sees a join.
#[test]
fn input_1_blank_names_are_refused() {
    let server = Server::start();
    let mut ana = with_observer(&server);
    for raw in [&b"   \n"[..], b"\t\r\n", b"\n", b"\r\n"] {
        refused_name(&server, &mut ana, raw, "el nombre no puede estar vacío");
    }
}

/// INPUT-2: a name in use is refused; its holder is unaffected and nobody sees a join.
#[test]
fn input_2_duplicate_name_is_refused() {
    let server = Server::start();
    let mut ana = with_observer(&server);
    let mut bob = server.join_seen_by("bob", &mut [&mut ana]);
    for raw in [&b"bob\n"[..], b"  bob \r\n"] {
        let mut dup = server.connect();
        dup.send_raw(raw);
        dup.expect_refused("el nombre 'bob' ya está en uso");
    }
    barrier_each_way(&mut bob, &mut ana);
}

/// INPUT-3: a name over 32 characters is refused; exactly 32 (multi-byte) is fine.
#[test]
fn input_3_long_names_are_refused() {
    let server = Server::start();
    let mut ana = with_observer(&server);
    let too_long = format!("{}\n", "x".repeat(33));
    refused_name(
        &server,
        &mut ana,
        too_long.as_bytes(),
        "el nombre tiene más de 32 caracteres",
    );
    let huge = format!("{}\n", "y".repeat(20_000));
    refused_name(
        &server,
        &mut ana,
        huge.as_bytes(),
        "el nombre tiene más de 32 caracteres",
    );
    let max = "ñ".repeat(32);
    let mut ok = server.join_seen_by(&max, &mut [&mut ana]);
    barrier(&mut ok, &mut ana);
}

/// INPUT-3: `--max-name` changes the limit.
#[test]
fn input_3_max_name_option() {
    let server = Server::start_with(&["--max-name", "4"]);
    let mut ana = with_observer(&server);
    refused_name(
        &server,
        &mut ana,
        b"pedro\n",
        "el nombre tiene más de 4 caracteres",
    );
    let _juan = server.join("juan");
}

/// INPUT-4: names with control characters (ESC, BEL, NUL, DEL, TAB, C1) are refused.
#[test]
fn input_4_control_characters_in_names_are_refused() {
    let server = Server::start();
    let mut ana = with_observer(&server);
    for raw in [
        "a\u{1b}[31mb\n",
        "be\u{7}ll\n",
        "nu\0l\n",
        "de\u{7f}l\n",
        "ta\tb\n",
        "c\u{85}1\n",
        "c\u{9b}2\n",
        "inner\rcr\n",
    ] {
        refused_name(
            &server,
            &mut ana,
            raw.as_bytes(),
            "el nombre no puede contener caracteres de control",
        );
    }
}

/// INPUT-5: a line over 4096 bytes is not broadcast; its sender gets an error and stays
/// connected. Exactly 4096 bytes (with or without `\r`) is delivered.
#[test]
fn input_5_over_long_line_is_refused_and_connection_stays() {
    let server = Server::start();
    let [mut ana, mut bob] = server.room(["ana", "bob"]);

    bob.send_line(&"z".repeat(4097));
    bob.expect_error("línea de más de 4096 bytes: no se ha enviado");
    barrier(&mut bob, &mut ana); // ana got nothing

    let exact = "w".repeat(4096);
    let line = bob.say_to(&exact, &mut [&mut ana]);
    bob.send_raw(format!("{exact}\r\n").as_bytes());
    ana.expect_line(&line);
    barrier(&mut ana, &mut bob); // bob got no error for those
}

/// INPUT-5: `--max-line` changes the limit.
#[test]
fn input_5_max_line_option() {
    let server = Server::start_with(&["--max-line", "10"]);
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    bob.send_line("12345678901");
    bob.expect_error("línea de más de 10 bytes: no se ha enviado");
    bob.say_to("1234567890", &mut [&mut ana]);
}

/// INPUT-5: a peer streaming megabytes without a newline: others keep chatting meanwhile,
/// the streamer gets one error, and its next line is delivered.
#[test]
fn input_5_megabytes_without_newline() {
    let server = Server::start();
    let [mut ana, mut bob, mut eve] = server.room(["ana", "bob", "eve"]);

    let mut stream = bob.stream().try_clone().expect("clone socket");
    let streamer = thread::spawn(move || {
        use std::io::Write;
        let block = vec![b'x'; 64 * 1024];
        for _ in 0..128 {
            stream.write_all(&block).expect("stream 8 MiB");
        }
        stream.write_all(b"\n").expect("newline");
    });
    let mut chat = Vec::new();
    for i in 0..20 {
        chat.push(ana.say_to(&format!("mientras tanto {i}"), &mut [&mut eve]));
    }
    streamer.join().expect("streamer thread");

    // bob gets ana's lines and exactly one error, interleaved in some order.
    let error = wording::error_line("línea de más de 4096 bytes: no se ha enviado");
    let mut got = Vec::new();
    for _ in 0..=chat.len() {
        got.push(bob.next_line());
    }
    assert_eq!(got.iter().filter(|l| **l == error).count(), 1, "{got:#?}");
    got.retain(|l| *l != error);
    assert_eq!(got, chat);
    bob.say_to("ya termine", &mut [&mut ana, &mut eve]);
    barrier_all(&mut ana, &mut [&mut bob, &mut eve]); // bob got exactly one error
}

/// INPUT-6: invalid UTF-8 is delivered with U+FFFD; the handler survives and the next valid
/// line is delivered normally.
#[test]
fn input_6_invalid_utf8_is_replaced() {
    let server = Server::start();
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    bob.send_raw(b"hola \xff\xfe mundo \xc3\n");
    ana.expect_line(&wording::chat_line(
        "bob",
        "hola \u{FFFD}\u{FFFD} mundo \u{FFFD}",
    ));
    bob.send_raw(b"\x80\n");
    ana.expect_line(&wording::chat_line("bob", "\u{FFFD}"));
    bob.say_to("bien", &mut [&mut ana]);
    barrier(&mut ana, &mut bob);
}

/// INPUT-7: control characters in a message reach nobody raw: each becomes U+FFFD; TAB is
/// kept.
#[test]
fn input_7_control_characters_are_neutralised() {
    let server = Server::start();
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    bob.send_raw("a\u{1b}[2Jb\u{7}c\u{8}d\re\u{9b}f\u{7f}g\tend\0\n".as_bytes());
    ana.expect_line(&wording::chat_line(
        "bob",
        "a\u{FFFD}[2Jb\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f\u{FFFD}g\tend\u{FFFD}",
    ));
    barrier(&mut ana, &mut bob);
}
