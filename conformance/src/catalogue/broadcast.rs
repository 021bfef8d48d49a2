//! `broadcast`: every message reaches every other user exactly once, intact, never back to
//! its sender (CHAT-*, FRAME-3).

use super::join::{chat, nothing_else};
use crate::case::TestCase;
use crate::check::Delivery;
use crate::session::Session;
use crate::user::User;
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
    beto.expect(&chat(ana, "hola")).await?;
    carla.expect(&chat(ana, "hola")).await?;
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
    beto.expect(&chat(ana, "eco?")).await?;
    let before = s.barrier(beto, &mut [ana]).await?;
    let echo = s.profile().echo;
    let own = before[0]
        .iter()
        .filter(|e| **e == chat(ana, "eco?"))
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
        .filter(|e| **e != chat(ana, "eco?"))
        .cloned()
        .collect();
    nothing_else(ana, &rest, "after its own message")?;
    Ok(())
}

/// Sentinels from each user to all others, then the delivery check.
pub(crate) async fn settle(
    s: &mut Session,
    users: &mut [User],
    delivery: &mut Delivery,
) -> Outcome {
    let mut collected: Vec<Vec<Event>> = vec![Vec::new(); users.len()];
    for i in 0..users.len() {
        let (left, rest) = users.split_at_mut(i);
        let (sender, right) = rest.split_first_mut().expect("i < len");
        let mut observers: Vec<&mut User> = left.iter_mut().chain(right.iter_mut()).collect();
        let before = s.barrier(sender, &mut observers).await?;
        let indices = (0..users.len()).filter(|&j| j != i);
        for (j, events) in indices.zip(before) {
            collected[j].extend(events);
        }
    }
    for (user, events) in users.iter().zip(collected) {
        delivery.name(&user.wire, &user.name);
        delivery.received(&user.wire, events);
    }
    delivery.judge(true)?;
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

/// Every user sends its texts concurrently from its own task, recorded in `delivery`;
/// returns the users once all have sent.
pub(crate) async fn send_concurrently(
    users: Vec<User>,
    texts: impl Fn(&User) -> Vec<String>,
    delivery: &mut Delivery,
) -> Result<Vec<User>, Failure> {
    let mut tasks = Vec::new();
    for mut user in users {
        let texts = texts(&user);
        for text in &texts {
            delivery.sent(&user.wire, text);
        }
        tasks.push(tokio::spawn(async move {
            for text in &texts {
                user.say(text).await?;
            }
            Ok::<User, Failure>(user)
        }));
    }
    let mut users = Vec::new();
    for task in tasks {
        match task.await {
            Ok(result) => users.push(result?),
            Err(e) => return Err(Failure::new("every sender finishes", e.to_string())),
        }
    }
    Ok(users)
}

/// `n` users each send `count` messages at the same time; then everything is checked.
pub(crate) async fn storm(s: &mut Session, n: usize, count: usize) -> Outcome {
    let names: Vec<String> = (1..=n).map(|i| format!("u{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let users = s.join_all(&refs).await?;
    let mut delivery = Delivery::new(s.profile().echo);
    // The text carries sender and number, padded so that interleaved writes produce
    // recognisably torn lines.
    let texts = |user: &User| -> Vec<String> {
        (1..=count)
            .map(|k| format!("{}-{k:04}-{}", user.name, "x".repeat(24)))
            .collect()
    };
    let mut users = send_concurrently(users, texts, &mut delivery).await?;
    settle(s, &mut users, &mut delivery).await
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
        beto.expect(&chat(ana, text)).await?;
    }
    Ok(())
}
