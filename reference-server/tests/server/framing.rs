//! Framing: FRAME-1, FRAME-2, FRAME-4 (FRAME-3 under load is in `order`).

use chat_protocol::wording;

use crate::support::{Server, barrier};

/// FRAME-1: `\r\n` is accepted and the `\r` is not part of the line.
#[test]
fn frame_1_crlf_line_endings() {
    let server = Server::start();
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    bob.send_raw(b"hola\r\n");
    ana.expect_line(&wording::chat_line("bob", "hola"));
    barrier(&mut ana, &mut bob);
}

/// FRAME-2: a name and a message sent one byte per write, with a multi-byte character in
/// each, are reassembled exactly.
#[test]
fn frame_2_one_byte_at_a_time() {
    let server = Server::start();
    let mut ana = server.join("ana");
    let mut bob = server.connect_as("bób");
    for byte in "bób\r\n".bytes() {
        bob.send_raw(&[byte]);
    }
    bob.expect_line(&wording::welcome_line("bób"));
    ana.expect_line(&wording::join_line("bób"));
    for byte in "hola ñandú 🙂\n".bytes() {
        bob.send_raw(&[byte]);
    }
    ana.expect_line(&wording::chat_line("bób", "hola ñandú 🙂"));
    barrier(&mut ana, &mut bob);
}

/// FRAME-2: a 4-byte UTF-8 character split across writes arrives whole.
#[test]
fn frame_2_utf8_character_split_across_writes() {
    let server = Server::start();
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    let smile = "🙂".as_bytes();
    bob.send_raw(b"a");
    bob.send_raw(&smile[..1]);
    bob.send_raw(&smile[1..3]);
    bob.send_raw(&smile[3..]);
    bob.send_raw(b"b\n");
    ana.expect_line(&wording::chat_line("bob", "a🙂b"));
    barrier(&mut ana, &mut bob);
}

/// FRAME-2: several lines in one write, and a line split across writes, including the name
/// and first messages in the same write as the name.
#[test]
fn frame_2_several_lines_in_one_write() {
    let server = Server::start();
    let mut ana = server.join("ana");
    let mut bob = server.connect_as("bob");
    bob.send_raw(b"bob\nuno\ndos\ntr");
    bob.expect_line(&wording::welcome_line("bob"));
    ana.expect_line(&wording::join_line("bob"));
    ana.expect_line(&wording::chat_line("bob", "uno"));
    ana.expect_line(&wording::chat_line("bob", "dos"));
    bob.send_raw(b"es\ncuatro\r\ncin");
    bob.send_raw(b"co\n");
    for text in ["tres", "cuatro", "cinco"] {
        ana.expect_line(&wording::chat_line("bob", text));
    }
    barrier(&mut ana, &mut bob);
}

/// FRAME-4: empty and whitespace-only lines are ignored: not broadcast, no reply.
#[test]
fn frame_4_blank_lines_are_ignored() {
    let server = Server::start();
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    bob.send_raw(b"\n\r\n   \n\t \t\r\n");
    barrier(&mut bob, &mut ana); // ana got nothing from bob's blank lines
    barrier(&mut ana, &mut bob); // bob got no reply to them
}
