//! `join`: names, join announcements, no self-announcement, no history (JOIN-*).

use super::support::nothing_else;
use crate::case::TestCase;
use crate::verdict::Failure;
use crate::wire::Event;

/// The group, in the order the tests run.
pub fn tests() -> Vec<TestCase> {
    vec![
        single(),
        many(),
        simultaneous(),
        not_to_self(),
        no_history(),
        silent_client(),
        early_close(),
        non_ascii_names(),
        unnamed_hears_nothing(),
    ]
}

fn single() -> TestCase {
    TestCase::core(
        "join.single",
        "JOIN-2",
        "a join is announced to the user already present",
    )
    .steps(
        "ana joins; beto joins; ana must receive beto's join line, and nothing else before a \
         sentinel that beto then sends.",
    )
    .causes(
        "the join is not broadcast; it is broadcast before the name is read; it is sent twice \
         (e.g. from add_client and from run()).",
    )
    .run(|s| async move {
        // Here joining at all is what the test checks (JOIN-6), not a setup step.
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        s.sees_nothing(&mut beto, &mut [&mut ana], "after beto's join")
            .await?;
        Ok(())
    })
}

fn many() -> TestCase {
    TestCase::core(
        "join.many",
        "JOIN-2",
        "each of five joins is announced once to everyone already present",
    )
    .steps(
        "ana, beto, carla, dani and eva join one after another; each user already present \
         must see every later join as its next message, exactly once.",
    )
    .causes(
        "broadcast skips some clients (e.g. iterates a list it is modifying); the join is \
         sent to the joiner only.",
    )
    .run(|s| async move {
        let [mut ana, mut beto, mut carla, mut dani, mut eva] =
            s.room(["ana", "beto", "carla", "dani", "eva"]).await?;
        let mut present = [&mut ana, &mut beto, &mut carla, &mut dani];
        s.sees_nothing(&mut eva, &mut present, "after the five joins")
            .await?;
        Ok(())
    })
}

fn simultaneous() -> TestCase {
    TestCase::core(
        "join.simultaneous",
        "JOIN-2",
        "eight users joining at the same moment are each announced exactly once",
    )
    .steps(
        "ana joins; eight users connect and send their names all at once; ana must see each \
         of the eight joins exactly once, then a sentinel.",
    )
    .causes(
        "the client list is modified without the lock; two handlers race in add_client; a \
         join is lost when two clients register together.",
    )
    .run(|s| async move {
        let (mut ana, _witness) = s.join_registered("ana").await?;
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
        let expected: Vec<Event> = joined.iter().map(Event::join).collect();
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
    })
}

fn not_to_self() -> TestCase {
    TestCase::core(
        "join.not_to_self",
        "JOIN-3",
        "the joiner does not receive its own join line",
    )
    .steps(
        "ana joins; beto joins; ana sends a sentinel; beto must receive nothing before it (a \
         welcome line of the profile's is allowed).",
    )
    .causes(
        "the join is broadcast to everyone including the joiner (no `if client is not \
         sender` check).",
    )
    .run(|s| async move {
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let before = s.barrier(&mut ana, &mut [&mut beto]).await?.remove(0);
        if let Some(own) = before.iter().find(|e| **e == Event::join(&beto)) {
            return Err(Failure::new(
                "beto never receives its own join line",
                format!("beto received {}", beto.show(own)),
            )
            .into());
        }
        nothing_else(&beto, &before, "after joining")?;
        Ok(())
    })
}

fn no_history() -> TestCase {
    TestCase::core(
        "join.no_history",
        "JOIN-4",
        "a new user receives nothing said before it joined",
    )
    .steps(
        "ana and beto join and exchange two messages; carla joins; ana sends a sentinel; \
         carla must receive nothing before it.",
    )
    .causes(
        "the server replays a message history or a buffered backlog; a message in flight is \
         written to the new client.",
    )
    .run(|s| async move {
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        ana.say("hola beto").await?;
        beto.expect(&Event::chat(&ana, "hola beto")).await?;
        beto.say("hola ana").await?;
        ana.expect(&Event::chat(&beto, "hola ana")).await?;
        let mut carla = s.join_seen_by("carla", &mut [&mut ana, &mut beto]).await?;
        s.sees_nothing(&mut ana, &mut [&mut carla], "after joining")
            .await?;
        Ok(())
    })
}

fn silent_client() -> TestCase {
    TestCase::core(
        "join.silent_client",
        "JOIN-6",
        "a client that never sends its name does not block anyone else",
    )
    .steps(
        "a client connects and says nothing; ana and beto then join and chat; both joins and \
         the message must arrive as usual. Then the silent client closes: it never joined, so \
         ana and beto must receive nothing about it, before a sentinel from each, nor before \
         carla's join and a sentinel from her.",
    )
    .causes(
        "the name is read in the accept loop (before the handler thread starts), so one \
         silent client blocks every later accept.",
    )
    // Such a server dies when the silent client finally closes: run it last.
    .disruptive()
    .run(|s| async move {
        let mut silent = s.connect("mudo").await?;
        // A silent client that blocks the accept loop stops ana or beto from joining at all:
        // that is the failure this test is about (JOIN-6), not a setup step's.
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await.map_err(|f| {
            match f.setup.as_ref().map(|setup| setup.requirement) {
                Some("JOIN-1") => f.in_test(),
                _ => f,
            }
        })?;
        ana.say("¿hay alguien?").await?;
        beto.expect(&Event::chat(&ana, "¿hay alguien?")).await?;
        s.sees_nothing(&mut beto, &mut [&mut ana], "after beto's message")
            .await?;
        // The silent client never sent a name, so it never joined (JOIN-1): its close is no
        // leave (LEAVE-1 announces users), and nobody hears of it. Once the server has closed
        // its end too, whatever it announced about it is on its way to ana and beto, ahead of
        // their sentinels. A server that keeps the connection open is not wrong: the wait is
        // bounded and its outcome not judged.
        silent.close_sending().await;
        let _ = silent.expect_closed().await;
        let when = "when the client that never sent a name closes: it never joined \
                    (JOIN-1), so no leave is announced for it (LEAVE-1)";
        s.sees_nothing(&mut ana, &mut [&mut beto], when).await?;
        s.sees_nothing(&mut beto, &mut [&mut ana], when).await?;
        // A `finally` that closes the socket first and announces after runs on in the
        // silent client's thread, which a loaded machine may leave behind the sentinels. A
        // newcomer goes through the accept loop and a handler of its own first: ana and beto
        // must see carla's join as their next line, then nothing before her sentinel.
        let mut carla = s
            .join_seen_by("carla", &mut [&mut ana, &mut beto])
            .await
            .map_err(Failure::in_test)?;
        s.sees_nothing(&mut carla, &mut [&mut ana, &mut beto], when)
            .await?;
        Ok(())
    })
}

fn early_close() -> TestCase {
    TestCase::core(
        "join.early_close",
        "JOIN-7",
        "a client that leaves before sending its name affects nobody",
    )
    .steps(
        "ana and beto join; a client connects and closes (FIN) before sending a name, and \
         another connects and resets (RST); nothing may be announced about either; then carla \
         joins and chats, and ana and beto must see her join and her message, and nothing else.",
    )
    .causes(
        "the name is read in the accept loop, where an empty read becomes a name or the \
         welcome to the gone client raises BrokenPipeError, so the server dies or stops \
         accepting; the `finally` announces the leave of a client that never joined \
         (`None salió`).",
    )
    // A server that reads names in its accept loop dies here: run it last.
    .disruptive()
    .run(|s| async move {
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let mut early = s.connect("corta").await?;
        early.close_sending().await;
        // Bounded; a server that keeps the connection open is not wrong.
        let _ = early.expect_closed().await;
        s.connect("reinicia").await?.reset();
        let when = "after two clients left before sending a name (FIN, then RST): they \
                    never joined, so nothing is announced about them (JOIN-7)";
        s.sees_nothing(&mut ana, &mut [&mut beto], when).await?;
        // Here joining at all, and being seen to join, is what the test checks.
        let mut carla = s
            .join_seen_by("carla", &mut [&mut ana, &mut beto])
            .await
            .map_err(Failure::in_test)?;
        carla.say("¿se fueron?").await?;
        for user in [&mut ana, &mut beto] {
            user.expect(&Event::chat(&carla, "¿se fueron?")).await?;
        }
        s.sees_nothing(&mut carla, &mut [&mut ana, &mut beto], when)
            .await?;
        Ok(())
    })
}

fn non_ascii_names() -> TestCase {
    TestCase::core(
        "join.non_ascii_names",
        "JOIN-1",
        "users named José and Begoña join, are announced and chat",
    )
    .steps(
        "ana joins; josé joins, then begoña; each join must reach those present, and josé's \
         message must reach ana and begoña.",
    )
    .causes(
        "the name is decoded as ASCII (or with the wrong codec), which raises in the handler \
         thread and kills it; a name cut by byte count in the middle of a character.",
    )
    .run(|s| async move {
        let [mut ana, mut jose, mut begona] = s.room(["ana", "josé", "begoña"]).await?;
        jose.say("hola, soy José").await?;
        for user in [&mut ana, &mut begona] {
            user.expect(&Event::chat(&jose, "hola, soy José")).await?;
        }
        s.sees_nothing(
            &mut jose,
            &mut [&mut ana, &mut begona],
            "after josé's message",
        )
        .await?;
        Ok(())
    })
}

fn unnamed_hears_nothing() -> TestCase {
    TestCase::strict(
        "join.unnamed_hears_nothing",
        "JOIN-8",
        "a client that has not sent its name receives none of the room's traffic",
    )
    .steps(
        "a client connects and sends nothing; ana and beto join, ana speaks, and beto's \
         sentinel reaches ana; the nameless client must have received nothing but the prompt \
         (it is waited for, bounded by the expectation timeout).",
    )
    .causes(
        "the client is added to the list when it connects, before its name is read, so every \
         join and message reaches it too.",
    )
    .run(|s| async move {
        let mut mudo = s.connect("mudo").await?;
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        ana.say("¿quién escucha?").await?;
        beto.expect(&Event::chat(&ana, "¿quién escucha?")).await?;
        s.sees_nothing(&mut beto, &mut [&mut ana], "after ana's message")
            .await?;
        // Everything broadcast so far has reached ana and beto: had mudo been in the room,
        // the same lines would be in its inbox by now. Only silence ends this wait.
        let mut heard = Vec::new();
        while heard.len() < 5 {
            match mudo.next().await {
                Ok(Event::Prompt) => {}
                Ok(event) => heard.push(mudo.show(&event)),
                Err(_) => break,
            }
        }
        if heard.is_empty() {
            return Ok(());
        }
        Err(Failure::new(
            "mudo, which has not sent a name, receives nothing of the room (JOIN-8)",
            format!("mudo received: {}", heard.join(", ")),
        )
        .into())
    })
}
