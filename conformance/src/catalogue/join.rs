//! `join`: names, join announcements, no self-announcement, no history (JOIN-*).

use crate::case::TestCase;
use crate::session::Session;
use crate::verdict::Failure;
use crate::wire::Event;

pub fn tests() -> Vec<TestCase> {
    vec![
        TestCase::core(
            "join.single",
            "JOIN-2",
            "a join is announced to the user already present",
        )
        .steps(
            "ana joins; beto joins; ana must receive beto's join line, and nothing else \
                    before a sentinel that beto then sends.",
        )
        .causes(
            "the join is not broadcast; it is broadcast before the name is read; it is \
                     sent twice (e.g. from add_client and from run()).",
        )
        .run(single),
        TestCase::core(
            "join.many",
            "JOIN-2",
            "each of five joins is announced once to everyone already present",
        )
        .steps(
            "ana, beto, carla, dani and eva join one after another; each user already \
                    present must see every later join as its next message, exactly once.",
        )
        .causes(
            "broadcast skips some clients (e.g. iterates a list it is modifying); the \
                     join is sent to the joiner only.",
        )
        .run(many),
        TestCase::core(
            "join.simultaneous",
            "JOIN-2",
            "eight users joining at the same moment are each announced exactly once",
        )
        .steps(
            "ana joins; eight users connect and send their names all at once; ana must \
                    see each of the eight joins exactly once, then a sentinel.",
        )
        .causes(
            "the client list is modified without the lock; two handlers race in \
                     add_client; a join is lost when two clients register together.",
        )
        .run(simultaneous),
        TestCase::core(
            "join.not_to_self",
            "JOIN-3",
            "the joiner does not receive its own join line",
        )
        .steps(
            "ana joins; beto joins; ana sends a sentinel; beto must receive nothing \
                    before it (a welcome line of the profile's is allowed).",
        )
        .causes(
            "the join is broadcast to everyone including the joiner (no `if client is \
                     not sender` check).",
        )
        .run(not_to_self),
        TestCase::core(
            "join.no_history",
            "JOIN-4",
            "a new user receives nothing said before it joined",
        )
        .steps(
            "ana and beto join and exchange two messages; carla joins; ana sends a \
                    sentinel; carla must receive nothing before it.",
        )
        .causes(
            "the server replays a message history or a buffered backlog; a message \
                     in flight is written to the new client.",
        )
        .run(no_history),
        TestCase::core(
            "join.silent_client",
            "JOIN-6",
            "a client that never sends its name does not block anyone else",
        )
        .steps(
            "a client connects and says nothing; ana and beto then join and chat; both \
                    joins and the message must arrive as usual.",
        )
        .causes(
            "the name is read in the accept loop (before the handler thread starts), \
                     so one silent client blocks every later accept.",
        )
        .run(silent_client),
    ]
}

async fn single(mut s: Session) -> crate::verdict::Outcome {
    let mut users = s.join_all(&["ana", "beto"]).await?;
    let [ana, beto] = users.as_mut_slice() else {
        unreachable!()
    };
    let before = s.barrier(beto, &mut [ana]).await?;
    nothing_else(ana, &before[0], "after beto's join")?;
    Ok(())
}

async fn many(mut s: Session) -> crate::verdict::Outcome {
    let mut users = s.join_all(&["ana", "beto", "carla", "dani", "eva"]).await?;
    let (last, rest) = users.split_last_mut().expect("five users");
    let mut observers: Vec<_> = rest.iter_mut().collect();
    let before = s.barrier(last, &mut observers).await?;
    for (user, events) in rest.iter().zip(&before) {
        nothing_else(user, events, "after the five joins")?;
    }
    Ok(())
}

async fn simultaneous(mut s: Session) -> crate::verdict::Outcome {
    let mut ana = s.join("ana").await?;
    let names: Vec<String> = (1..=8).map(|i| format!("u{i}")).collect();
    let joining = names.iter().map(|name| {
        let connect = s.connect(name);
        async move {
            let mut user = connect.await?;
            user.send_name().await?;
            Ok::<_, Failure>(user)
        }
    });
    let mut joined = futures::future::try_join_all(joining).await?;
    // The joins may be announced in any order: ana waits until it has seen all eight...
    let expected: Vec<Event> = joined
        .iter()
        .map(|u| Event::Join {
            user: u.wire.clone(),
        })
        .collect();
    let mut received = Vec::new();
    while !expected.iter().all(|e| received.contains(e)) {
        match ana.next().await {
            Ok(event) => received.push(event),
            Err(f) => {
                let missing: Vec<String> = expected
                    .iter()
                    .filter(|e| !received.contains(e))
                    .map(|e| ana.show(e))
                    .collect();
                return Err(Failure::new(
                    "ana receives the joins of all eight users",
                    format!("{}; still missing: {}", f.actual, missing.join(", ")),
                )
                .into());
            }
        }
    }
    // ...then a sentinel proves nothing else (no second announcement) came with them.
    let last = joined.last_mut().expect("eight users");
    received.extend(s.barrier(last, &mut [&mut ana]).await?.remove(0));
    let unexpected: Vec<String> = received
        .iter()
        .enumerate()
        .filter(|(i, e)| !expected.contains(e) || received[..*i].contains(e))
        .map(|(_, e)| ana.show(e))
        .collect();
    if !unexpected.is_empty() {
        return Err(Failure::new(
            "ana receives each of the eight joins exactly once, and nothing else",
            format!("ana also received: {}", unexpected.join(", ")),
        )
        .into());
    }
    Ok(())
}

async fn not_to_self(mut s: Session) -> crate::verdict::Outcome {
    let mut users = s.join_all(&["ana", "beto"]).await?;
    let [ana, beto] = users.as_mut_slice() else {
        unreachable!()
    };
    let before = s.barrier(ana, &mut [beto]).await?;
    if let Some(own) = before[0].iter().find(|e| {
        **e == Event::Join {
            user: beto.wire.clone(),
        }
    }) {
        return Err(Failure::new(
            "beto never receives its own join line",
            format!("beto received {}", beto.show(own)),
        )
        .into());
    }
    nothing_else(beto, &before[0], "after joining")?;
    Ok(())
}

async fn no_history(mut s: Session) -> crate::verdict::Outcome {
    let mut users = s.join_all(&["ana", "beto"]).await?;
    {
        let [ana, beto] = users.as_mut_slice() else {
            unreachable!()
        };
        ana.say("hola beto").await?;
        beto.expect(&chat(ana, "hola beto")).await?;
        beto.say("hola ana").await?;
        ana.expect(&chat(beto, "hola ana")).await?;
    }
    let mut carla = s.join("carla").await?;
    let join = Event::Join {
        user: carla.wire.clone(),
    };
    for present in users.iter_mut() {
        present.expect(&join).await?;
    }
    let before = s.barrier(&mut users[0], &mut [&mut carla]).await?;
    nothing_else(&carla, &before[0], "after joining")?;
    Ok(())
}

async fn silent_client(mut s: Session) -> crate::verdict::Outcome {
    let _silent = s.connect("mudo").await?;
    let mut users = s.join_all(&["ana", "beto"]).await?;
    let [ana, beto] = users.as_mut_slice() else {
        unreachable!()
    };
    ana.say("¿hay alguien?").await?;
    beto.expect(&chat(ana, "¿hay alguien?")).await?;
    let before = s.barrier(beto, &mut [ana]).await?;
    nothing_else(ana, &before[0], "after beto's message")?;
    Ok(())
}

/// `CHAT user text` as `user` would be seen sending it.
pub(crate) fn chat(user: &crate::user::User, text: &str) -> Event {
    Event::Chat {
        user: user.wire.clone(),
        text: text.to_string(),
    }
}

/// Fails when `events` (received by `user` before a barrier) is not empty.
pub(crate) fn nothing_else(
    user: &crate::user::User,
    events: &[Event],
    when: &str,
) -> Result<(), Failure> {
    if events.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = events.iter().map(|e| user.show(e)).collect();
    Err(Failure::new(
        format!("{} receives nothing else {when}", user.name),
        format!("{} also received: {}", user.name, shown.join(", ")),
    ))
}
