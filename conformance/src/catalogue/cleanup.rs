//! `cleanup`: after departures the room keeps working — names are free again, no ghost
//! member breaks anyone's broadcast, hundreds of cycles leave the server healthy, and its
//! threads and sockets go back to their baseline (CLEAN-*).

use std::time::Duration;

use super::support::{Departure, Gone, depart, nothing_else, polite};
use crate::case::TestCase;
use crate::check::Delivery;
use crate::procfs::{ProcessStats, uncounted};
use crate::session::Session;
use crate::user::User;
use crate::verdict::{Failure, Outcome, Verdict};
use crate::wire::Event;

/// The group, in the order the tests run.
pub fn tests() -> Vec<TestCase> {
    vec![
        name_reuse(),
        no_ghost(),
        departures_mid_talk(),
        churn(),
        resources(),
    ]
}

fn name_reuse() -> TestCase {
    TestCase::core(
        "cleanup.name_reuse",
        "CLEAN-1",
        "a departed user's name can be taken again at once",
    )
    .steps(
        "ana and beto join; beto leaves (the quit word, or a close when the profile has \
         none); once ana has seen the leave, a new connection joins as beto; its name must be \
         accepted, ana must receive the new join, and the new beto and ana must chat both \
         ways.",
    )
    .causes(
        "the departed client is never removed from the client list (or the name set), so its \
         name stays `in use`; it is removed only when a later broadcast to it fails.",
    )
    .run(|s| async move {
        let how = polite(&s);
        let [mut ana, old_beto] = s.room(["ana", "beto"]).await?;
        let mut gone = depart(old_beto, how).await?;
        gone.seen_by(&mut [&mut ana]).await?;
        drop(gone);
        // The same wire name again, on a new connection.
        let mut beto = s.join_seen_by("beto", &mut [&mut ana]).await?;
        beto.say("he vuelto").await?;
        ana.expect(&Event::chat(&beto, "he vuelto")).await?;
        ana.say("bienvenido otra vez").await?;
        beto.expect(&Event::chat(&ana, "bienvenido otra vez"))
            .await?;
        s.sees_nothing(&mut beto, &mut [&mut ana], "after the new beto's join")
            .await?;
        Ok(())
    })
}

fn no_ghost() -> TestCase {
    TestCase::core(
        "cleanup.no_ghost",
        "CLEAN-2",
        "after a reset and a close, the others' messages still reach everyone",
    )
    .steps(
        "ana, beto and carla join; beto's connection is reset (RST); ana and carla see its \
         leave; carla sends three messages, ana must receive each; ana then sends a sentinel \
         that carla must receive. Then dani joins, closes its connection cleanly (FIN), and \
         the same exchange is repeated.",
    )
    .causes(
        "the departed client is left in the client list; the next broadcast to it raises \
         (BrokenPipe, EBADF, SocketException) and the exception escapes into the *sender's* \
         handler, which dies: the innocent sender is disconnected and the rest of its \
         broadcast is lost. Catch write errors per client in broadcast, and remove clients in \
         `finally`.",
    )
    .run(|mut s| async move {
        let [mut ana, beto, mut carla] = s.room(["ana", "beto", "carla"]).await?;
        let mut gone = depart(beto, Departure::Rst).await?;
        gone.seen_by(&mut [&mut ana, &mut carla]).await?;
        still_working(&mut s, &mut ana, &mut carla, "beto", Departure::Rst).await?;

        let mut dani = s.join_seen_by("dani", &mut [&mut ana, &mut carla]).await?;
        // dani's own view is irrelevant; it only has to be a member that then goes away.
        dani.say("hola y adiós").await?;
        ana.expect(&Event::chat(&dani, "hola y adiós")).await?;
        carla.expect(&Event::chat(&dani, "hola y adiós")).await?;
        let mut gone = depart(dani, Departure::Fin).await?;
        gone.seen_by(&mut [&mut ana, &mut carla]).await?;
        still_working(&mut s, &mut ana, &mut carla, "dani", Departure::Fin).await?;
        Ok(())
    })
}

/// How many users leave at once in [`departures_mid_talk`], and how many lines are said
/// meanwhile: enough that the departures land while broadcasts are under way; fewer when
/// each message is paced (chunk framing), which leaves a smaller window anyway.
const LEAVING: usize = 40;
const TALK: usize = 400;
const TALK_PACED: usize = 30;

fn departures_mid_talk() -> TestCase {
    TestCase::core(
        "cleanup.departures_mid_talk",
        "CHAT-1",
        "users leaving while another talks: whoever stays receives every line",
    )
    .steps(
        "toño joins; forty users join, ten at a time, then olga (after them in any list the server \
         keeps); toño says 400 lines (30, paced, under chunk framing) while the forty close their connections together; \
         then a sentinel from toño: olga must have received all of them exactly once and in \
         order, and each of the forty leaves exactly once (without leave lines, the server \
         closes each of the forty instead).",
    )
    .causes(
        "the broadcast walks the live client list without the lock (`for c in clientes:` \
         while another handler runs `clientes.remove(c)`): each removal shifts the later \
         clients one place down and the loop skips the one after the removed one, so a user \
         who joined after those leaving loses lines. Walk a copy (`list(clientes)`) or hold \
         the lock around the loop.",
    )
    .run(|s| async move {
        let (mut tono, _witness) = s.join_registered("toño").await?;
        // Ten at a time, as in churn: a listen backlog of 5 (socketserver's) is common.
        let mut leaving = Vec::with_capacity(LEAVING);
        for start in (1..=LEAVING).step_by(BATCH) {
            let names: Vec<String> = (start..start + BATCH).map(|i| format!("d{i:02}")).collect();
            let mut batch = join_batch(&s, &names).await?;
            let what = format!("the joins of {}…{}", names[0], names[BATCH - 1]);
            sees_joins(&s, &mut tono, &mut batch, &what).await?;
            leaving.append(&mut batch);
        }
        let mut olga = s.join_seen_by("olga", &mut [&mut tono]).await?;
        let mut delivery = Delivery::for_profile(s.profile());
        let talk = if s.profile().pace_ms > 0 { TALK_PACED } else { TALK };
        let texts: Vec<String> = (1..=talk).map(|k| format!("{}-{k:03}", tono.wire)).collect();
        for text in &texts {
            delivery.sent(&tono.wire, text);
        }
        let talk = async {
            for text in &texts {
                tono.say(text).await?;
            }
            Ok::<(), Failure>(())
        };
        let leave = futures::future::join_all(
            leaving.into_iter().map(|user| depart(user, Departure::Fin)),
        );
        let (talked, departed) = tokio::join!(talk, leave);
        talked?;
        let mut gone = departed.into_iter().collect::<Result<Vec<Gone>, Verdict>>()?;
        let mut before = s.barrier(&mut tono, &mut [&mut olga]).await?.remove(0);
        // The leaves that came before the sentinel, then the rest.
        let leaves: Vec<Event> = gone.iter().map(Event::leave).collect();
        let (heard, chat): (Vec<Event>, Vec<Event>) =
            before.drain(..).partition(|e| leaves.contains(e));
        delivery.name(&olga.wire, &olga.name);
        delivery.received(&olga.wire, chat);
        delivery.judge(false)?;
        if olga.profile().leave.is_some() {
            let later: Vec<Event> = leaves.into_iter().filter(|e| !heard.contains(e)).collect();
            let mut seen: Vec<String> = heard.iter().map(|e| olga.show(e)).collect();
            seen.sort();
            if seen.windows(2).any(|w| w[0] == w[1]) {
                return Err(Failure::new(
                    "olga receives each of the forty leaves exactly once",
                    format!("olga received [{}]", seen.join(", ")),
                )
                .into());
            }
            expect_set(&mut olga, &later, "the rest of the forty leaves").await?;
        } else {
            for user in &mut gone {
                user.seen_by(&mut []).await?;
            }
        }
        Ok(())
    })
}

fn churn() -> TestCase {
    TestCase::core(
        "cleanup.churn",
        "CLEAN-3",
        "200 join/leave cycles (quit, FIN, RST) leave the server healthy",
    )
    .steps(
        "ana joins and stays; 200 users join, ten at a time, and leave again, taking turns \
         with the quit word, a clean close and a reset; ana must see each join and each leave \
         exactly once; at the end a fresh user and ana must chat both ways, and ana must \
         receive nothing else.",
    )
    .causes(
        "threads or sockets leak per client until the server cannot accept more; a departure \
         left in the list breaks later broadcasts; a leave announced twice (quit branch and \
         `finally`) or not at all for one kind of departure; the client list modified without \
         the lock while a broadcast iterates it.",
    )
    .budget(Duration::from_secs(30))
    .run(|s| async move {
        const CYCLES: usize = 200;
        let (mut ana, _witness) = s.join_registered("ana").await?;
        let ways: Vec<Departure> = if s.profile().quit.is_some() {
            vec![Departure::Quit, Departure::Fin, Departure::Rst]
        } else {
            vec![Departure::Fin, Departure::Rst]
        };
        for start in (0..CYCLES).step_by(BATCH) {
            let names: Vec<String> = (start + 1..=start + BATCH)
                .map(|i| format!("c{i:03}"))
                .collect();
            let mut batch = join_batch(&s, &names).await?;
            let what = format!("the joins of {}…{}", names[0], names[BATCH - 1]);
            sees_joins(&s, &mut ana, &mut batch, &what).await?;
            let mut gone = Vec::new();
            for (i, user) in batch.into_iter().enumerate() {
                let how = ways[(start + i) % ways.len()];
                gone.push(depart(user, how).await?);
            }
            let what = format!(
                "the leaves of {}…{} (quit, FIN and RST)",
                names[0],
                names[BATCH - 1]
            );
            sees_leaves(&mut ana, &mut gone, &what).await?;
            // Every leave was seen: the quitters may go now.
            drop(gone);
        }
        let mut zoe = s.join_seen_by("zoe", &mut [&mut ana]).await?;
        zoe.say("¿sigue vivo el servidor?").await?;
        ana.expect(&Event::chat(&zoe, "¿sigue vivo el servidor?"))
            .await?;
        ana.say("sí, sigue").await?;
        zoe.expect(&Event::chat(&ana, "sí, sigue")).await?;
        let when = format!("after {CYCLES} join/leave cycles");
        s.sees_nothing(&mut zoe, &mut [&mut ana], &when).await?;
        Ok(())
    })
}

fn resources() -> TestCase {
    TestCase::core(
        "cleanup.resources",
        "CLEAN-4",
        "after 100 abrupt disconnects the server's threads and sockets return to baseline",
    )
    .steps(
        "only when the harness started the server (--server-cmd, or the reference server): ana \
         and eco join and each hears the other; the server's threads and open file descriptors \
         are measured (off Linux threads cannot be counted: the test says so, and checks the \
         descriptors alone); 100 users join and drop \
         (half FIN, half RST; clients that leave before their name are join.early_close's); \
         a fresh user joins, sends a sentinel \
         to ana and leaves; within 5 s the server's threads and file descriptors must be back \
         to at most the baseline.",
    )
    .causes(
        "the socket is not closed in `finally` (a file descriptor leaks per client); the \
         handler thread never ends after a drop (e.g. it loops on empty reads, or blocks \
         forever on a queue); a writer thread per client that is never joined or woken at the \
         end.",
    )
    .budget(Duration::from_secs(30))
    .run(|s| async move {
        const SKIP: &str = "resource checks need a server started by the harness \
                            (--server-cmd, or the reference server)";
        const CYCLES: usize = 100;
        let Some(first) = s.server_stats() else {
            return Err(Verdict::Skip(SKIP.into()));
        };
        // Off Linux some counts cannot be made: say so, never pass silently on less.
        match (first.threads, first.fds) {
            (None, None) => {
                return Err(Verdict::Skip(format!(
                    "{}; {}",
                    uncounted("threads"),
                    uncounted("file descriptors")
                )));
            }
            (None, Some(_)) => s.note(format!(
                "{}: only its file descriptors were checked",
                uncounted("threads")
            )),
            (Some(_), None) => s.note(format!(
                "{}: only its threads were checked",
                uncounted("file descriptors")
            )),
            (Some(_), Some(_)) => {}
        }
        // The baseline is taken once ana's and eco's handlers are surely running: each has
        // been heard by the other (a server may start a handler just after its welcome).
        let [mut ana, mut eco] = s.room(["ana", "eco"]).await?;
        ana.say("base de ana").await?;
        eco.expect(&Event::chat(&ana, "base de ana")).await?;
        eco.say("base de eco").await?;
        ana.expect(&Event::chat(&eco, "base de eco")).await?;
        let Some(baseline) = s.server_stats() else {
            return Err(Verdict::Skip(SKIP.into()));
        };
        for start in (0..CYCLES).step_by(BATCH) {
            // Each joins, then drops: one FIN, one RST, in turn.
            let named: Vec<String> = (start..start + BATCH)
                .map(|i| format!("r{:03}", i + 1))
                .collect();
            let mut batch = join_batch(&s, &named).await?;
            sees_joins(&s, &mut ana, &mut batch, "the joins of this batch").await?;
            let mut gone = Vec::new();
            for (k, user) in batch.into_iter().enumerate() {
                gone.push(depart(user, fin_or_rst(k)).await?);
            }
            sees_leaves(
                &mut ana,
                &mut gone,
                "the leaves of this batch (FIN and RST)",
            )
            .await?;
        }
        // The room still works: a fresh user's sentinel reaches ana, nothing else before it.
        let mut zoe = s.join_seen_by("zoe", &mut [&mut ana]).await?;
        let when = format!("after {CYCLES} abrupt disconnects");
        s.sees_nothing(&mut zoe, &mut [&mut ana], &when).await?;
        let mut gone = depart(zoe, Departure::Fin).await?;
        gone.seen_by(&mut [&mut ana]).await?;
        drop(gone);
        // Waiting on an observable state: the server's own thread and descriptor counts.
        let deadline = tokio::time::Instant::now() + SETTLE;
        let after = loop {
            let Some(now) = s.server_stats() else {
                return Err(Failure::new(
                    "the server process is still running after the disconnects",
                    "its /proc entry is gone (the server exited or crashed)",
                )
                .into());
            };
            if counted(baseline, now).iter().all(|c| c.after <= c.before) {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                break now;
            }
            tokio::time::sleep(POLL).await;
        };
        Err(leak_report(baseline, after, CYCLES).into())
    })
}

/// After `gone` left: carla's three messages reach ana, and carla is still there to receive
/// ana's sentinel; neither receives anything else.
async fn still_working(
    s: &mut Session,
    ana: &mut User,
    carla: &mut User,
    gone: &str,
    how: Departure,
) -> Outcome {
    for k in 1..=3 {
        let text = format!("después de {gone} #{k}");
        carla.say(&text).await?;
        ana.expect(&Event::chat(carla, &text)).await.map_err(|f| {
            Failure::new(
                format!(
                    "{} (carla's message #{k} after {gone}'s {}: a ghost of {gone} must not \
                     break carla's broadcast)",
                    f.expected,
                    how.describe()
                ),
                f.actual,
            )
        })?;
    }
    let before = s.barrier(ana, &mut [&mut *carla]).await.map_err(|f| {
        Failure::new(
            format!(
                "{} (carla is still connected after {gone} left)",
                f.expected
            ),
            f.actual,
        )
    })?;
    nothing_else(carla, &before[0], &format!("after {gone}'s leave"))?;
    Ok(())
}

/// Users per batch in the churn and resource tests.
const BATCH: usize = 10;

/// The `k`th of a batch closes (FIN) if `k` is even, and resets (RST) if it is odd.
fn fin_or_rst(k: usize) -> Departure {
    match k % 2 {
        0 => Departure::Fin,
        _ => Departure::Rst,
    }
}

/// The events, shown as a sorted list.
fn shown(user: &User, events: &[Event]) -> String {
    let mut shown: Vec<String> = events.iter().map(|e| user.show(e)).collect();
    shown.sort();
    shown.join(", ")
}

/// `ana`'s next `want.len()` events must be exactly `want`, in any order.
async fn expect_set(ana: &mut User, want: &[Event], what: &str) -> Result<(), Failure> {
    let mut got = Vec::with_capacity(want.len());
    for _ in 0..want.len() {
        match ana.next().await {
            Ok(event) => got.push(event),
            Err(f) => {
                return Err(Failure::new(
                    format!("{} receives {what}: [{}]", ana.name, shown(ana, want)),
                    format!(
                        "{}; received so far: [{}]",
                        f.actual,
                        got.iter()
                            .map(|e| ana.show(e))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
    }
    let mut sorted_got: Vec<String> = got.iter().map(|e| ana.show(e)).collect();
    let mut sorted_want: Vec<String> = want.iter().map(|e| ana.show(e)).collect();
    sorted_got.sort();
    sorted_want.sort();
    if sorted_got != sorted_want {
        return Err(Failure::new(
            format!(
                "{} receives {what}, each exactly once: [{}]",
                ana.name,
                sorted_want.join(", ")
            ),
            format!("{} received: [{}]", ana.name, sorted_got.join(", ")),
        ));
    }
    Ok(())
}

/// `ana` must receive the join of each of `joiners`, in any order: how these tests fill
/// their room, so a failure here is JOIN-2's, found while setting up. Without join lines,
/// each joiner's sentinel must reach ana instead ([`Session::sees_join`]).
async fn sees_joins(
    s: &Session,
    ana: &mut User,
    joiners: &mut [User],
    what: &str,
) -> Result<(), Failure> {
    if s.profile().join.is_none() {
        for joiner in joiners {
            s.sees_join(joiner, &mut [&mut *ana]).await?;
        }
        return Ok(());
    }
    let joins: Vec<Event> = joiners.iter().map(Event::join).collect();
    let step = format!("{} sees {what}", ana.name);
    expect_set(ana, &joins, what)
        .await
        .map_err(|f| f.in_setup(step, "JOIN-2"))
}

/// `ana` must receive the leave of each of `gone`, in any order; without leave lines, the
/// server must close each closed or quitting connection instead ([`Gone::seen_by`]).
async fn sees_leaves(ana: &mut User, gone: &mut [Gone], what: &str) -> Result<(), Failure> {
    if ana.profile().leave.is_none() {
        for user in gone {
            user.seen_by(&mut []).await?;
        }
        return Ok(());
    }
    let leaves: Vec<Event> = gone.iter().map(Event::leave).collect();
    expect_set(ana, &leaves, what).await
}

/// Joins `names` at the same time; returns them in the order given.
async fn join_batch(s: &Session, names: &[String]) -> Result<Vec<User>, Failure> {
    futures::future::try_join_all(names.iter().map(|name| s.join(name))).await
}

/// How long the server may take to release its threads and sockets after the last departure.
const SETTLE: Duration = Duration::from_secs(5);
/// How often the server's resources are sampled while waiting for them to settle.
const POLL: Duration = Duration::from_millis(50);

/// One resource the harness can count on this OS, at the baseline and now.
struct Count {
    /// `threads`, `file descriptors`.
    what: &'static str,
    /// What a leak of it usually is.
    meaning: &'static str,
    before: usize,
    after: usize,
}

/// The resources counted in both samples: threads and file descriptors on Linux, fewer
/// elsewhere (see [`ProcessStats`]).
fn counted(baseline: ProcessStats, now: ProcessStats) -> Vec<Count> {
    let pairs = [
        (
            "threads",
            "handler threads that never ended",
            baseline.threads,
            now.threads,
        ),
        (
            "file descriptors",
            "sockets never closed",
            baseline.fds,
            now.fds,
        ),
    ];
    pairs
        .into_iter()
        .filter_map(|(what, meaning, before, after)| {
            Some(Count {
                what,
                meaning,
                before: before?,
                after: after?,
            })
        })
        .collect()
}

/// Says which resource leaked, with both numbers.
fn leak_report(baseline: ProcessStats, after: ProcessStats, cycles: usize) -> Failure {
    let counts = counted(baseline, after);
    let leaked: Vec<String> = counts
        .iter()
        .filter(|c| c.after > c.before)
        .map(|c| format!("{} {} leaked ({})", c.after - c.before, c.what, c.meaning))
        .collect();
    let limits: Vec<String> = counts
        .iter()
        .map(|c| format!("{} {}", c.before, c.what))
        .collect();
    let changes: Vec<String> = counts
        .iter()
        .map(|c| format!("{} {} → {}", c.what, c.before, c.after))
        .collect();
    Failure::new(
        format!(
            "within {SETTLE:?} of the last of {cycles} disconnects, the server is back to its \
             baseline with one user connected: at most {}",
            limits.join(" and ")
        ),
        format!("{}: {}", changes.join(", "), leaked.join("; ")),
    )
}
