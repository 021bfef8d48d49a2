//! `leave`: every departure — the quit word, a clean close (FIN), a reset (RST), idle or in
//! the middle of a line — is announced to everyone else exactly once, and the departed user
//! is gone for good (LEAVE-*).

use super::support::{Departure, depart, no_quit_word, nothing_else, once_then_nothing, polite};
use crate::case::TestCase;
use crate::profile::Framing;
use crate::session::Session;
use crate::user::User;
use crate::verdict::{Failure, Outcome, Verdict};
use crate::wire::Event;

/// The group, in the order the tests run.
pub fn tests() -> Vec<TestCase> {
    vec![
        quit(),
        fin_idle(),
        rst_idle(),
        fin_mid_line(),
        fin_partial_dropped(),
        rst_mid_line(),
        nothing_after(),
    ]
}

fn quit() -> TestCase {
    TestCase::core(
        "leave.quit",
        "LEAVE-1",
        "a user who quits is announced once to everyone else",
    )
    .steps(
        "ana, beto and carla join; beto sends the quit word; ana and carla must each receive \
         beto's leave line as their next message; then ana and carla each send a sentinel, \
         and neither may receive anything else before the other's sentinel (no second leave \
         line).",
    )
    .causes(
        "the leave is announced in the quit branch and again in `finally` (or cleanup()); the \
         leave is never broadcast (only the socket is closed); the leave is sent to the \
         leaver only.",
    )
    .run(|mut s| async move {
        if s.profile().quit.is_none() {
            return Err(no_quit_word());
        }
        let [mut ana, mut beto, mut carla] = s.room(["ana", "beto", "carla"]).await?;
        if let Some(sent) = beto.quit().await {
            sent?;
        }
        ana.expect(&Event::leave(&beto)).await?;
        carla.expect(&Event::leave(&beto)).await?;
        settle_pair(&mut s, &mut ana, &mut carla, &beto.wire, "beto").await
    })
}

fn fin_idle() -> TestCase {
    TestCase::core(
        "leave.fin_idle",
        "LEAVE-2",
        "a user whose client closes the connection (FIN) is announced once",
    )
    .steps(
        "ana, beto and carla join; beto's client closes its connection cleanly without the \
         quit word; ana and carla must each receive beto's leave line, and nothing else \
         before sentinels from each other.",
    )
    .causes(
        "the leave is only announced in the quit branch; `recv()` returning b\"\" (or \
         readLine() returning null) is not treated as the end: the handler loops on empty \
         reads forever, or skips the cleanup.",
    )
    .run(|s| abrupt(s, Departure::Fin, Unfinished::None))
}

fn rst_idle() -> TestCase {
    TestCase::core(
        "leave.rst_idle",
        "LEAVE-2",
        "a user whose connection is reset (RST) is announced once",
    )
    .steps(
        "ana, beto and carla join; beto's connection is reset (as when the client process is \
         killed); ana and carla must each receive beto's leave line, and nothing else before \
         sentinels from each other.",
    )
    .causes(
        "ConnectionResetError / SocketException escapes the handler without the cleanup (no \
         `finally`), so the leave is never announced; the exception is caught but the cleanup \
         sits only after the normal end of the loop.",
    )
    .run(|s| abrupt(s, Departure::Rst, Unfinished::None))
}

fn fin_mid_line() -> TestCase {
    TestCase::core(
        "leave.fin_mid_line",
        "LEAVE-2",
        "a close in the middle of a line: leave announced once (the unfinished text may come first)",
    )
    .steps(
        "ana, beto and carla join; beto writes the start of a message without its newline, \
         then closes the connection (FIN); ana and carla must each receive beto's leave line \
         and nothing else before sentinels from each other. At core the unfinished text may \
         arrive as beto's last message just before the leave (`readLine()` and `readline()` \
         return it at the end of the stream): the test passes with a note, and the strict \
         leave.fin_partial_dropped wants it discarded.",
    )
    .causes(
        "the leave is only announced in the quit branch; the handler waits for a newline that \
         never comes and never notices the close; the unfinished text is broadcast twice.",
    )
    .run(|s| abrupt(s, Departure::Fin, Unfinished::MayArrive))
}

fn fin_partial_dropped() -> TestCase {
    TestCase::strict(
        "leave.fin_partial_dropped",
        "LEAVE-2",
        "a close in the middle of a line: the unfinished text is discarded, never broadcast",
    )
    .steps(
        "ana, beto and carla join; beto writes the start of a message without its newline, \
         then closes the connection (FIN); ana and carla must each receive beto's leave line, \
         never a chat line with the unfinished text, and nothing else before sentinels from \
         each other.",
    )
    .causes(
        "one recv() is taken as one message, so the unfinished text is broadcast; the \
         leftover buffer is flushed as a last message when the connection ends (Python's \
         `readline()` and Java's `readLine()` return an unfinished last line: check that it \
         ended in a newline before broadcasting it).",
    )
    .run(|s| abrupt(s, Departure::Fin, Unfinished::Dropped))
}

fn rst_mid_line() -> TestCase {
    TestCase::core(
        "leave.rst_mid_line",
        "LEAVE-2",
        "a reset in the middle of a line: leave announced once, partial line dropped",
    )
    .steps(
        "ana, beto and carla join; beto writes the start of a message without its newline, \
         then its connection is reset (RST); ana and carla must each receive beto's leave \
         line, never a chat line with the unfinished text, and nothing else before sentinels \
         from each other.",
    )
    .causes(
        "one recv() is taken as one message, so the unfinished text is broadcast; the reset \
         escapes the handler without its cleanup; the leftover buffer is flushed as a last \
         message when the read fails.",
    )
    .run(|s| abrupt(s, Departure::Rst, Unfinished::Dropped))
}

fn nothing_after() -> TestCase {
    TestCase::core(
        "leave.nothing_after",
        "LEAVE-3",
        "after a user's leave nothing more comes from it, and it receives nothing",
    )
    .steps(
        "ana, beto and carla join; beto says `me voy`; beto leaves (the quit word, or a close \
         when the profile has none); once ana has seen the leave, ana says `¿sigues ahí?`; \
         carla must receive it; after sentinels from carla and ana nobody may have received \
         anything from beto after its leave, and beto (after a quit) must not receive ana's \
         message before the server closes it.",
    )
    .causes(
        "the departed client is still in the client list (removed too late, or not at all), \
         so it is sent later messages and the failed write kills the sender's handler; the \
         leave is announced before the last lines of the leaver are relayed; a second leave \
         is announced later.",
    )
    .run(|s| async move {
        let how = polite(&s);
        let [mut ana, mut beto, mut carla] = s.room(["ana", "beto", "carla"]).await?;
        beto.say("me voy").await?;
        ana.expect(&Event::chat(&beto, "me voy")).await?;
        carla.expect(&Event::chat(&beto, "me voy")).await?;
        let wire = beto.wire.clone();
        let mut gone = depart(beto, how).await?;
        gone.seen_by(&mut [&mut ana, &mut carla]).await?;
        ana.say("¿sigues ahí?").await?;
        carla.expect(&Event::chat(&ana, "¿sigues ahí?")).await?;
        let from_carla = s.barrier(&mut carla, &mut [&mut ana]).await?;
        let from_ana = s.barrier(&mut ana, &mut [&mut carla]).await?;
        for (user, events) in [(&ana, &from_carla[0]), (&carla, &from_ana[0])] {
            let late: Vec<String> = events
                .iter()
                .filter(|e| e.user() == Some(wire.as_str()))
                .map(|e| user.show(e))
                .collect();
            if !late.is_empty() {
                return Err(Failure::new(
                    format!(
                        "{} receives nothing from beto after beto's leave",
                        user.name
                    ),
                    format!("{} received after it: {}", user.name, late.join(", ")),
                )
                .into());
            }
            nothing_else(user, events, "after beto's leave")?;
        }
        if let Some(beto) = gone.connection() {
            // The quitter: its connection must end without ana's later message reaching it.
            let before_close = beto.expect_closed().await.map_err(|f| {
                Failure::new(
                    format!("{}, and beto receives nothing more", f.expected),
                    format!("{} (beto sent the quit word long ago)", f.actual),
                )
            })?;
            if let Some(got) = before_close
                .iter()
                .find(|e| **e == Event::chat(&ana, "¿sigues ahí?"))
            {
                return Err(Failure::new(
                    "beto receives nothing said after its leave",
                    format!("beto received {} after it had quit", beto.show(got)),
                )
                .into());
            }
        }
        Ok(())
    })
}

/// Proves that neither `a` nor `b` received anything more: `a` sends a sentinel that `b` must
/// receive, then `b` one that `a` must receive. Two round trips, so that a late second leave
/// line (announced just after the first one) is caught at one of the two.
async fn settle_pair(
    s: &mut Session,
    a: &mut User,
    b: &mut User,
    leaver: &str,
    leaver_name: &str,
) -> Outcome {
    let before = s.barrier(a, &mut [&mut *b]).await?;
    once_then_nothing(b, &before[0], leaver, leaver_name)?;
    let before = s.barrier(b, &mut [&mut *a]).await?;
    once_then_nothing(a, &before[0], leaver, leaver_name)?;
    Ok(())
}

/// The unfinished text a test leaves behind at a drop.
const PARTIAL: &str = "esto queda a med";

/// What a test writes before the drop, and what it allows of it.
#[derive(Clone, Copy, PartialEq)]
enum Unfinished {
    /// Nothing: the connection drops between lines.
    None,
    /// The start of a line; it may arrive as the leaver's last message, before its leave
    /// (core: `readLine()` returns it at the end of the stream).
    MayArrive,
    /// The start of a line; it must never be broadcast.
    Dropped,
}

/// beto leaves `how` (after writing the start of a line, unless `Unfinished::None`); ana
/// and carla must each see the leave once, and nothing else.
async fn abrupt(mut s: Session, how: Departure, unfinished: Unfinished) -> Outcome {
    if unfinished != Unfinished::None && s.profile().framing == Framing::Chunk {
        return Err(Verdict::Skip(
            "chunk framing: a write is a whole message, there is no partial line".into(),
        ));
    }
    let [mut ana, mut beto, mut carla] = s.room(["ana", "beto", "carla"]).await?;
    let wire = beto.wire.clone();
    if unfinished != Unfinished::None {
        // The start of a chat message, in the profile's wording, without its newline.
        let start = s.profile().send.render(&beto.wire, PARTIAL);
        beto.wrote(PARTIAL);
        beto.send_raw(start.as_bytes()).await?;
    }
    let kept = depart(beto, how).await?;
    let mut arrived = false;
    for user in [&mut ana, &mut carla] {
        arrived |= expect_leave(user, &wire, unfinished).await?;
    }
    if arrived {
        s.note(format!(
            "beto's unfinished line {} arrived as a last message before the leave: accepted at \
             core (`readLine()` returns it at the end of the stream), but strict \
             (leave.fin_partial_dropped, LEAVE-2) wants it discarded",
            crate::wire::quoted(PARTIAL)
        ));
    }
    // Both saw the leave; now prove that nothing else followed it.
    settle_pair(&mut s, &mut ana, &mut carla, &wire, "beto").await?;
    drop(kept);
    Ok(())
}

/// The next event of `user` must be `leaver`'s leave line; a chat line carrying the
/// unfinished text is reported as the partial line being broadcast, unless it `MayArrive`
/// (then it is skipped over, and `true` returned).
async fn expect_leave(
    user: &mut User,
    leaver: &str,
    unfinished: Unfinished,
) -> Result<bool, Failure> {
    let leave = Event::leave(leaver);
    let expected = format!("{} receives {}", user.name, user.show(&leave));
    let mut arrived = false;
    loop {
        match user.next().await {
            Ok(got) if got == leave => return Ok(arrived),
            Ok(Event::Chat { user: from, text })
                if unfinished == Unfinished::MayArrive
                    && !arrived
                    && from == leaver
                    && text.trim() == PARTIAL =>
            {
                arrived = true;
            }
            Ok(Event::Chat { user: from, text })
                if unfinished != Unfinished::None && from == leaver =>
            {
                return Err(Failure::new(
                    format!(
                        "{expected}; the unfinished line `{PARTIAL}` left at the drop is discarded"
                    ),
                    format!(
                        "{} received {}: the partial line was broadcast as a message",
                        user.name,
                        user.show(&Event::chat(&from, &text))
                    ),
                ));
            }
            Ok(other) => {
                return Err(Failure::new(
                    expected,
                    format!("{} received {}", user.name, user.show(&other)),
                ));
            }
            Err(failure) => return Err(Failure::new(expected, failure.actual)),
        }
    }
}
