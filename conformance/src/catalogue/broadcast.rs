//! `broadcast`: every message reaches every other user exactly once, intact, never back to
//! its sender (CHAT-*, FRAME-3).

use super::support::{nothing_else, settle, storm};
use crate::case::TestCase;
use crate::check::Delivery;
use crate::session::Session;
use crate::verdict::{Failure, Outcome};
use crate::wire::Event;

pub fn tests() -> Vec<TestCase> {
    vec![
        TestCase::core(
            "broadcast.basic",
            "CHAT-1",
            "a message reaches every other user",
        )
        .steps(
            "ana, beto and carla join; ana says `hola`; beto and carla must each \
                    receive ana's chat line, and nothing else before a sentinel.",
        )
        .causes(
            "broadcast only to the first client; the sender's name is missing from the \
                     line; the line is not terminated.",
        )
        .run(basic),
        TestCase::core(
            "broadcast.no_echo",
            "CHAT-2",
            "the sender does not receive its own message",
        )
        .steps(
            "ana and beto join; ana says `eco?`; beto receives it; then beto sends a \
                    sentinel; ana must receive nothing before it (with an echoing profile: \
                    exactly its own message).",
        )
        .causes(
            "broadcast loops over every client without skipping the sender \
                     (`if client != sender`).",
        )
        .run(no_echo),
        TestCase::core(
            "broadcast.exactly_once",
            "CHAT-1",
            "three users taking turns: every message exactly once to every other user",
        )
        .steps(
            "ana, beto and carla join; they take turns saying 20 numbered messages each; \
                    after a sentinel from each, every user must have every other user's \
                    messages exactly once.",
        )
        .causes(
            "a delivery dropped or doubled in broadcast; a message sent to a \
                     subset of clients when the list changes.",
        )
        .run(exactly_once),
        TestCase::core(
            "broadcast.concurrent",
            "FRAME-3",
            "ten users sending 100 messages each at once: nothing lost, doubled or torn",
        )
        .steps(
            "ten users join; all ten send 100 numbered messages at the same time, as \
                    fast as they can; after a sentinel from each, every user must have the \
                    other nine users' 900 messages exactly once, each line intact.",
        )
        .causes(
            "broadcast without the lock, or a line written in several send() calls \
                     (so two senders' lines interleave: torn or merged lines); a shared buffer \
                     between handlers; sends that are not retried when partial (send instead \
                     of sendall).",
        )
        .run(concurrent),
        TestCase::core(
            "broadcast.intact_text",
            "CHAT-3",
            "text arrives byte for byte: accents, emoji, punctuation, a long line",
        )
        .steps(
            "ana and beto join; ana sends lines with accents, emoji, colons, braces, \
                    percent signs, a tab, and 1,000 characters; beto must receive each exactly \
                    as written.",
        )
        .causes(
            "decoding with the wrong codec (latin-1); trimming or splitting the text \
                     on ':'; a fixed-size recv() that cuts long lines; formatting the text as \
                     a format string.",
        )
        .run(intact_text),
    ]
}

async fn basic(mut s: Session) -> Outcome {
    let mut users = s.join_all(&["ana", "beto", "carla"]).await?;
    let [ana, beto, carla] = users.as_mut_slice() else {
        unreachable!()
    };
    ana.say("hola").await?;
    beto.expect(&Event::chat(ana, "hola")).await?;
    carla.expect(&Event::chat(ana, "hola")).await?;
    let before = s.barrier(ana, &mut [beto, carla]).await?;
    nothing_else(beto, &before[0], "after ana's message")?;
    nothing_else(carla, &before[1], "after ana's message")?;
    Ok(())
}

async fn no_echo(mut s: Session) -> Outcome {
    let mut users = s.join_all(&["ana", "beto"]).await?;
    let [ana, beto] = users.as_mut_slice() else {
        unreachable!()
    };
    ana.say("eco?").await?;
    beto.expect(&Event::chat(ana, "eco?")).await?;
    let before = s.barrier(beto, &mut [ana]).await?;
    let echo = s.profile().echo;
    let own = before[0]
        .iter()
        .filter(|e| **e == Event::chat(ana, "eco?"))
        .count();
    let expected_own = usize::from(echo);
    if own != expected_own {
        return Err(Failure::new(
            if echo {
                "ana receives its own `eco?` exactly once (the profile says the server echoes)"
            } else {
                "ana never receives its own `eco?`"
            },
            match own {
                0 => "ana never received it".to_string(),
                1 => "ana received it once".to_string(),
                n => format!("ana received it {n} times"),
            },
        )
        .into());
    }
    let rest: Vec<Event> = before[0]
        .iter()
        .filter(|e| **e != Event::chat(ana, "eco?"))
        .cloned()
        .collect();
    nothing_else(ana, &rest, "after its own message")?;
    Ok(())
}

async fn exactly_once(mut s: Session) -> Outcome {
    let mut users = s.join_all(&["ana", "beto", "carla"]).await?;
    let mut delivery = Delivery::new(s.profile().echo);
    for round in 1..=20 {
        for user in users.iter_mut() {
            let text = format!("{} #{round}", user.name);
            user.say(&text).await?;
            delivery.sent(&user.wire, &text);
        }
    }
    settle(&mut s, &mut users, &mut delivery).await
}

async fn concurrent(mut s: Session) -> Outcome {
    storm(&mut s, 10, 100).await
}

async fn intact_text(s: Session) -> Outcome {
    let mut users = s.join_all(&["ana", "beto"]).await?;
    let [ana, beto] = users.as_mut_slice() else {
        unreachable!()
    };
    let long: String = "ñandú 🙂 ".chars().cycle().take(1000).collect();
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
        beto.expect(&Event::chat(ana, text)).await?;
    }
    Ok(())
}
