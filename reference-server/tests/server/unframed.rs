//! Unframed clients (FRAME-5): the seed's own client, which sends no `\n`, joins and chats
//! beside line clients, one message per read; a line client is never taken for one. (The
//! name timeout with the detection on and off is LIMIT-2's, in `limits`.)

use std::thread;
use std::time::Duration;

use chat_protocol::wording;

use crate::support::{Chatter, SeedClient, Server, TIMEOUT, barrier_each_way};

/// The log line of a connection taken to be unframed (once per such connection).
const UNFRAMED: &str = "unframed client";

/// FRAME-5, QUIT-1, LEAVE-1: the seed's client (`fixtures/clients/seed_client.py`) joins,
/// chats both ways with line clients, and leaves with `salir`, announced once; the server
/// logs once that it serves it unframed, and why.
#[test]
fn frame_5_the_seed_client_joins_chats_both_ways_and_leaves() {
    let server = Server::start();
    let [mut beto, mut carla] = server.room(["beto", "carla"]);
    let mut ana = SeedClient::start(&server);

    // The user types a name and waits for the welcome, as a student does.
    ana.type_line("ana");
    ana.expect_printed(&wording::welcome_line("ana"));
    beto.expect_line(&wording::join_line("ana"));
    carla.expect_line(&wording::join_line("ana"));

    // Each message is typed once the previous one has arrived: an unframed client's quick
    // sends could merge into one message (the trade-off of FRAME-5).
    for text in ["hola a todos", "¿qué tal? 🙂"] {
        ana.type_line(text);
        beto.expect_line(&wording::chat_line("ana", text));
        carla.expect_line(&wording::chat_line("ana", text));
    }
    beto.say_to("hola ana", &mut [&mut carla]);
    ana.expect_printed(&wording::chat_line("beto", "hola ana"));

    ana.type_line("salir");
    beto.expect_line(&wording::leave_line("ana"));
    carla.expect_line(&wording::leave_line("ana"));
    barrier_each_way(&mut beto, &mut carla); // the leave came once, and `salir` was no chat
    ana.expect_exit();

    server.log().wait_for(&["ana left"], TIMEOUT);
    let joined = server.log().wait_for(&["ana joined"], TIMEOUT);
    assert!(joined.ends_with("(unframed)"), "{joined:?}");
    let why = server.log().wait_for(&[UNFRAMED], TIMEOUT);
    assert!(
        why.contains("without a line end") && why.contains("300 ms"),
        "{why:?}"
    );
    assert_eq!(
        server.log().count(UNFRAMED),
        1,
        "{:#?}",
        server.log().lines()
    );
}

/// FRAME-5, INPUT-5, INPUT-6: an unframed client's message over `--max-line` gets the error
/// and is not sent; invalid UTF-8 is replaced; a `\n` inside a read still ends a message;
/// the client stays connected throughout.
#[test]
fn frame_5_input_5_6_an_unframed_client_s_bad_messages() {
    let server = Server::start_with(&["--max-line", "100"]);
    let mut beto = server.join("beto");
    let mut ana = server.connect_as("ana");
    ana.send_raw(b"ana");
    ana.expect_line(&wording::welcome_line("ana"));
    beto.expect_line(&wording::join_line("ana"));

    ana.send_raw(&[b'x'; 101]);
    ana.expect_error("línea de más de 100 bytes: no se ha enviado");
    ana.send_raw(b"a\xffb");
    beto.expect_line(&wording::chat_line("ana", "a\u{FFFD}b"));
    ana.send_raw(b"uno\ndos");
    beto.expect_line(&wording::chat_line("ana", "uno"));
    beto.expect_line(&wording::chat_line("ana", "dos"));
    barrier_each_way(&mut ana, &mut beto);
}

/// FRAME-2, FRAME-5: a line client that writes its name in pieces, pausing half the quiet
/// time after each, while 50 other users chat, keeps line framing: it joins under its whole
/// name, its lines are reassembled across writes, and the server never logs it as unframed.
///
/// The quiet time is set to 2 s here, so that the pauses (1 s, the scenario itself) stay
/// well under it on a loaded machine.
#[test]
fn frame_2_5_a_name_in_pieces_is_never_taken_for_unframed() {
    let server = Server::start_with(&["--unframed-after", "2000"]);
    let mut observer = server.join("obs");
    let names: Vec<String> = (0..50).map(|i| format!("user{i:02}")).collect();
    let chatters = server.join_all(&names);
    let chatter = Chatter::start(chatters, Duration::from_millis(20));

    let mut pepa = server.connect_as("pepa");
    let pieces: [&[u8]; 3] = [b"pe", b"p", b"a\n"];
    for (i, piece) in pieces.iter().enumerate() {
        pepa.send_raw(piece);
        if i + 1 < pieces.len() {
            thread::sleep(Duration::from_millis(1000)); // the scenario: a pause under 2 s
        }
    }
    pepa.expect_line(&wording::welcome_line("pepa"));
    // Line framing holds: a line written in two pieces is one message.
    pepa.send_raw(b"uno\nd");
    pepa.send_raw(b"os\n");
    let wanted = [
        wording::join_line("pepa"),
        wording::chat_line("pepa", "uno"),
        wording::chat_line("pepa", "dos"),
    ];
    for line in &wanted {
        // The observer hears the chatter too: skip it.
        while observer.next_line().starts_with("user") {}
        assert_eq!(
            observer.received().last(),
            Some(line),
            "the observer's next line"
        );
    }
    chatter.stop();

    let joined = server.log().wait_for(&["pepa joined"], TIMEOUT);
    assert!(!joined.contains("unframed"), "{joined:?}");
    assert_eq!(
        server.log().count(UNFRAMED),
        0,
        "{:#?}",
        server.log().lines()
    );
}
