//! Chat messages: CHAT-1 … CHAT-3.

use chat_protocol::wording;

use crate::support::{Server, barrier, barrier_all};

/// CHAT-1: a message reaches every other user as `{user}: {text}`, exactly once.
#[test]
fn chat_1_message_reaches_every_other_user_once() {
    let server = Server::start();
    let mut ana = server.join("ana");
    let mut bob = server.join("bob");
    let mut eve = server.join("eve");
    ana.expect_line(&wording::join_line("bob"));
    ana.expect_line(&wording::join_line("eve"));
    bob.expect_line(&wording::join_line("eve"));
    let hello = ana.say("hola a todos");
    bob.expect_line(&hello);
    eve.expect_line(&hello);
    barrier(&mut eve, &mut bob);
    barrier(&mut bob, &mut eve);
}

/// CHAT-2: no echo: the sender never gets its own message back.
#[test]
fn chat_2_no_echo() {
    let server = Server::start();
    let mut ana = server.join("ana");
    let mut bob = server.join("bob");
    ana.expect_line(&wording::join_line("bob"));
    for i in 0..5 {
        let line = ana.say(&format!("mensaje {i}"));
        bob.expect_line(&line);
    }
    barrier(&mut bob, &mut ana);
}

/// CHAT-3: the text arrives byte for byte: inner and outer spaces, tabs, colons, `salir`
/// inside a sentence, any script and emoji.
#[test]
fn chat_3_text_arrives_intact() {
    let server = Server::start();
    let mut ana = server.join("ana");
    let mut bob = server.join("bob");
    ana.expect_line(&wording::join_line("bob"));
    for text in [
        "  espacios  alrededor\t ",
        "ñandú, 🙂, 中文, עברית",
        "bob: no soy bob",
        "salir ya",
        "Salir",
        "a\tb",
        "ERROR: esto no es un error",
    ] {
        let line = ana.say(text);
        bob.expect_line(&line);
    }
    barrier_all(&mut bob, &mut [&mut ana]);
}
