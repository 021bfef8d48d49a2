//! Chat messages: CHAT-1 … CHAT-3.

use crate::support::{Server, barrier, barrier_all, barrier_each_way};

/// CHAT-1: a message reaches every other user as `{user}: {text}`, exactly once.
#[test]
fn chat_1_message_reaches_every_other_user_once() {
    let server = Server::start();
    let [mut ana, mut bob, mut eve] = server.room(["ana", "bob", "eve"]);
    ana.say_to("hola a todos", &mut [&mut bob, &mut eve]);
    barrier_each_way(&mut eve, &mut bob);
}

/// CHAT-2: no echo: the sender never gets its own message back.
#[test]
fn chat_2_no_echo() {
    let server = Server::start();
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    for i in 0..5 {
        ana.say_to(&format!("mensaje {i}"), &mut [&mut bob]);
    }
    barrier(&mut bob, &mut ana);
}

/// CHAT-3: the text arrives byte for byte: inner and outer spaces, tabs, colons, `salir`
/// inside a sentence, any script and emoji.
#[test]
fn chat_3_text_arrives_intact() {
    let server = Server::start();
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    for text in [
        "  espacios  alrededor\t ",
        "ñandú, 🙂, 中文, עברית",
        "bob: no soy bob",
        "salir ya",
        "Salir",
        "a\tb",
        "ERROR: esto no es un error",
    ] {
        ana.say_to(text, &mut [&mut bob]);
    }
    barrier_all(&mut bob, &mut [&mut ana]);
}
