//! `broadcast`: every message reaches every other user exactly once, intact, never back to
//! its sender (CHAT-*, FRAME-3).

use super::support::{nothing_else, settle, storm};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::case::TestCase;
use crate::check::Delivery;
use crate::session::Session;
use crate::user::User;
use crate::verdict::Failure;
use crate::wire::Event;

/// The group, in the order the tests run.
pub fn tests() -> Vec<TestCase> {
    vec![
        basic(),
        no_echo(),
        exactly_once(),
        concurrent(),
        intact_text(),
        exact_text(),
        no_spoofing(),
    ]
}

fn no_spoofing() -> TestCase {
    TestCase::strict(
        "broadcast.no_spoofing",
        "CHAT-4",
        "a client that writes another user's name is not relayed as that user",
    )
    .steps(
        "ana, beto and carla join; ana writes a chat line worded the way beto's client words \
         his (the profile's `send`, with beto's name; or, when clients do not write their \
         name, the line the others see of beto's, as her text); carla must not receive it \
         credited to beto. It may reach her credited to ana, or be refused; a sentinel from ana, after \
         it, proves what carla received of it.",
    )
    .causes(
        "the server relays what the client wrote, name included, without checking it against \
         the name the client joined with: anyone can speak as anyone.",
    )
    .run(|s| async move {
        let [mut ana, beto, mut carla] = s.room(["ana", "beto", "carla"]).await?;
        let text = "soy beto, de verdad";
        // What beto's client would write when it names its user (`send`), or else what
        // the others see of beto's line (`chat`), as text of ana's.
        let p = s.profile();
        let forged = if p.send.has("user") {
            p.send.render(&beto.wire, text)
        } else {
            p.send.render(&ana.wire, &p.chat.render(&beto.wire, text))
        };
        ana.wrote(text);
        ana.send_message(&forged).await?;
        // ana's own sentinel comes after her forged line on her connection (ORDER-1), so
        // whatever the server made of that line has reached carla before it.
        let before = s.barrier(&mut ana, &mut [&mut carla]).await?.remove(0);
        let as_beto = Event::chat(&beto, text);
        if before.contains(&as_beto) {
            return Err(Failure::new(
                "carla never receives a line credited to beto that beto did not write",
                format!(
                    "carla received {}, written by ana: the server relayed the name ana's \
                     client wrote",
                    carla.show(&as_beto)
                ),
            )
            .into());
        }
        let others: Vec<Event> = before
            .into_iter()
            .filter(|e| {
                *e != Event::chat(&ana, text)
                    && !matches!(e, Event::Chat { text: t, .. } if t.contains(text))
            })
            .collect();
        nothing_else(&carla, &others, "after ana's forged line")?;
        Ok(())
    })
}

fn basic() -> TestCase {
    TestCase::core(
        "broadcast.basic",
        "CHAT-1",
        "a message reaches every other user",
    )
    .steps(
        "ana, beto and carla join; ana says `hola`; beto and carla must each receive ana's \
         chat line, and nothing else before a sentinel.",
    )
    .causes(
        "broadcast only to the first client; the sender's name is missing from the line; the \
         line is not terminated.",
    )
    .run(|s| async move {
        let [mut ana, mut beto, mut carla] = s.room(["ana", "beto", "carla"]).await?;
        ana.say("hola").await?;
        beto.expect(&Event::chat(&ana, "hola")).await?;
        carla.expect(&Event::chat(&ana, "hola")).await?;
        s.sees_nothing(
            &mut ana,
            &mut [&mut beto, &mut carla],
            "after ana's message",
        )
        .await?;
        Ok(())
    })
}

fn no_echo() -> TestCase {
    TestCase::core(
        "broadcast.no_echo",
        "CHAT-2",
        "the sender does not receive its own message",
    )
    .steps(
        "ana and beto join; ana says `eco?`; beto receives it; then beto sends a sentinel; \
         ana must receive nothing before it (with an echoing profile: exactly its own \
         message).",
    )
    .causes(
        "broadcast loops over every client without skipping the sender (`if client != \
         sender`).",
    )
    .run(|s| async move {
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        ana.say("eco?").await?;
        beto.expect(&Event::chat(&ana, "eco?")).await?;
        let before = s.barrier(&mut beto, &mut [&mut ana]).await?.remove(0);
        // With an echoing profile ana's own line must come back exactly once (ana takes that
        // one copy as it comes: any other copy stays in what she received); otherwise never.
        let echo = s.profile().echo;
        if echo {
            ana.expect_own_echoes().await?;
        }
        let own = before
            .iter()
            .filter(|e| **e == Event::chat(&ana, "eco?"))
            .count();
        if own > 0 {
            return Err(Failure::new(
                if echo {
                    "ana receives its own `eco?` exactly once (the profile says the server echoes)"
                } else {
                    "ana never receives its own `eco?`"
                },
                match own + usize::from(echo) {
                    1 => "ana received it once".to_string(),
                    n => format!("ana received it {n} times"),
                },
            )
            .into());
        }
        let rest: Vec<Event> = before
            .into_iter()
            .filter(|e| *e != Event::chat(&ana, "eco?"))
            .collect();
        nothing_else(&ana, &rest, "after its own message")?;
        Ok(())
    })
}

fn exactly_once() -> TestCase {
    TestCase::core(
        "broadcast.exactly_once",
        "CHAT-1",
        "three users taking turns: every message exactly once to every other user",
    )
    .steps(
        "ana, beto and carla join; they take turns saying 20 numbered messages each; after a \
         sentinel from each, every user must have every other user's messages exactly once.",
    )
    .causes(
        "a delivery dropped or doubled in broadcast; a message sent to a subset of clients \
         when the list changes.",
    )
    .run(|mut s| async move {
        let mut users = s.join_all(&["ana", "beto", "carla"]).await?;
        let mut delivery = Delivery::for_profile(s.profile());
        for round in 1..=20 {
            for user in users.iter_mut() {
                let text = format!("{} #{round}", user.name);
                user.say(&text).await?;
                delivery.sent(&user.wire, &text);
            }
        }
        settle(&mut s, &mut users, &mut delivery).await
    })
}

fn concurrent() -> TestCase {
    TestCase::core(
        "broadcast.concurrent",
        "FRAME-3",
        "ten users sending 100 messages each at once: nothing lost, doubled or torn",
    )
    .steps(
        "ten users join; all ten send 100 numbered messages at the same time, as fast as they \
         can; after a sentinel from each, every user must have the other nine users' 900 \
         messages exactly once, each line intact.",
    )
    .causes(
        "broadcast without the lock, or a line written in several send() calls (so two \
         senders' lines interleave: torn or merged lines); a shared buffer between handlers; \
         sends that are not retried when partial (send instead of sendall).",
    )
    .run(|mut s| async move { storm(&mut s, 10, 100).await })
}

fn intact_text() -> TestCase {
    TestCase::core(
        "broadcast.intact_text",
        "CHAT-3",
        "text arrives intact: accents, emoji, punctuation, a tab, a line of 512 bytes",
    )
    .steps(
        "ana and beto join; ana sends lines with accents, emoji, colons, braces, percent \
         signs, a tab, spaces around the text, and one that fills 512 bytes on the wire; beto \
         must receive each as written. At core a server may remove the spaces around a \
         message (`.strip()`): that passes with a note (broadcast.exact_text, strict, wants \
         them kept).",
    )
    .causes(
        "decoding with the wrong codec (latin-1); splitting the text on ':'; formatting the \
         text as a format string; decoding each recv() alone, so a character split between two \
         reads raises UnicodeDecodeError.",
    )
    .run(|s| async move {
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let long = text_filling(&s, &ana, CORE_MESSAGE_BYTES, "ñandú 🙂 ");
        let texts = [
            "¿Qué tal? Ñandú, acción, pingüino",
            "emoji 🙂🚀 y CJK 漢字",
            "dos: puntos: y {llaves} y %s %d y \\n literal",
            "tab\taquí",
            "   espacios alrededor   ",
            long.as_str(),
        ];
        for text in texts {
            ana.say(text).await?;
            let exact = Event::chat(&ana, text);
            // The spaces around the text may be lost, on either side or both (`strip()`
            // of the whole line `ana:    texto   ` keeps those after the colon).
            let trimmed =
                [text.trim(), text.trim_end(), text.trim_start()].map(|t| Event::chat(&ana, t));
            let stripped = AtomicBool::new(false);
            beto.expect_that(format!("beto receives {}", beto.show(&exact)), |got| {
                let was_stripped = trimmed.contains(got) && got != &exact;
                stripped.fetch_or(was_stripped, Ordering::Relaxed);
                got == &exact || was_stripped
            })
            .await?;
            if stripped.load(Ordering::Relaxed) {
                s.note(format!(
                    "the server removed the spaces around {}: accepted at core, but strict \
                     (broadcast.exact_text, CHAT-3) wants the text byte for byte",
                    crate::wire::quoted(text)
                ));
            }
        }
        Ok(())
    })
}

fn exact_text() -> TestCase {
    TestCase::strict(
        "broadcast.exact_text",
        "CHAT-3",
        "text arrives byte for byte: spaces around it kept, a line of 1,000 characters whole",
    )
    .steps(
        "ana and beto join; ana sends a line with spaces around the text, one with spaces \
         at its end only, and one of 1,000 characters (about 1,600 bytes of UTF-8); beto must \
         receive each exactly as written.",
    )
    .causes(
        "`.strip()` on the received text; a fixed-size recv(1024) taken as one message, so a \
         long line is cut in two.",
    )
    .run(|s| async move {
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let long: String = "ñandú 🙂 ".chars().cycle().take(1000).collect();
        for text in [
            "   espacios alrededor   ",
            "fin con espacios   ",
            long.as_str(),
        ] {
            ana.say(text).await?;
            beto.expect(&Event::chat(&ana, text)).await?;
        }
        Ok(())
    })
}

/// The longest message a core test sends, in bytes on the wire: the profile's send template
/// and line ending included. Longer text is strict (a fixed `recv(1024)` is the assignment).
const CORE_MESSAGE_BYTES: usize = 512;

/// `pattern` repeated, in whole characters, as long as `sender`'s message carrying it stays
/// within `max` bytes on the wire.
fn text_filling(s: &Session, sender: &User, max: usize, pattern: &str) -> String {
    let p = s.profile();
    let overhead = p.frame(p.send.render(&sender.wire, "").as_bytes()).len();
    let room = max.saturating_sub(overhead);
    let mut text = String::new();
    for c in pattern.chars().cycle() {
        if text.len() + c.len_utf8() > room {
            break;
        }
        text.push(c);
    }
    text.trim_end().to_owned()
}
