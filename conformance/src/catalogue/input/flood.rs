//! Megabytes without a newline (INPUT-5): the server refuses the line (an error, or a
//! close), never broadcasts any of it, and the others keep chatting meanwhile. The flooder
//! is a [`RawClient`](crate::user::raw::RawClient), so the 8 MiB never pass through a
//! transcript.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use super::show::{nothing_else_cut, short, shown_list};
use crate::case::TestCase;
use crate::catalogue::support::{connect_raw, sees_raw_join};
use crate::profile::Framing;
use crate::user::User;
use crate::user::raw::RawEnd;
use crate::verdict::{Failure, Verdict};
use crate::wire::Event;

/// Bytes ana streams without a newline.
const FLOOD: usize = 8 * 1024 * 1024;
/// Bytes per write of the flood.
const FLOOD_WRITE: usize = 64 * 1024;
/// Most message rounds beto and carla exchange while the flood is written.
const FLOOD_ROUNDS: usize = 200;

pub(super) fn no_newline_flood() -> TestCase {
    TestCase::strict(
        "input.no_newline_flood",
        "INPUT-5",
        "8 MiB without a newline: refused, never broadcast, the room keeps chatting",
    )
    .steps(
        "beto and carla join, then ana; ana streams 8 MiB without a newline (64 KiB per \
         write), then a newline, while beto and carla keep exchanging messages; ana must then \
         receive an error line or be disconnected (either is fine); ana's next message (or \
         its leave) must reach beto and carla with nothing of the flood before it; beto and \
         carla then exchange sentinels.",
    )
    .causes(
        "`buffer += data` until a newline arrives: memory grows without bound and the 8 MiB \
         line is finally broadcast; the handler reads the whole line while holding the lock, \
         stalling everyone else.",
    )
    .run(|s| async move {
        if s.profile().framing == Framing::Chunk {
            return Err(Verdict::Skip(
                "chunk framing: a message is whatever one read returns, so there is no \
                 newline to wait for"
                    .into(),
            ));
        }
        let [mut beto, mut carla] = s.room(["beto", "carla"]).await?;
        let mut ana = connect_raw(&s, "ana", None).await?;
        ana.send_name().await?;
        sees_raw_join(&s, &mut ana, &mut [&mut beto, &mut carla]).await?;

        // ana may be disconnected at any time: its leave is fine; anything else is not.
        let ana_left = Event::leave(&ana);
        // Whether beto, carla have already received ana's leave.
        let mut left_seen = [false, false];
        let done = AtomicBool::new(false);
        let flood = async {
            let piece = vec![b'x'; FLOOD_WRITE];
            let mut written = 0;
            let mut result = Ok(());
            while written < FLOOD {
                let note = (written == 0).then_some("<8 MiB without a newline, 64 KiB per write>");
                if let Err(e) = ana.write(&piece, note).await {
                    result = Err(e);
                    break;
                }
                written += piece.len();
            }
            if result.is_ok() {
                result = ana.write(b"\n", Some("\\n")).await;
            }
            done.store(true, Ordering::Relaxed);
            (written, result)
        };
        let talk = async {
            let mut rounds = 0;
            while rounds < 3 || (!done.load(Ordering::Relaxed) && rounds < FLOOD_ROUNDS) {
                rounds += 1;
                let text = format!("beto #{rounds}");
                beto.say(&text).await?;
                left_seen[1] |=
                    expect_past(&mut carla, &Event::chat(&beto, &text), &ana_left).await?;
                let text = format!("carla #{rounds}");
                carla.say(&text).await?;
                left_seen[0] |=
                    expect_past(&mut beto, &Event::chat(&carla, &text), &ana_left).await?;
            }
            Ok::<_, Failure>(())
        };
        let ((written, flooded), talked) = tokio::join!(flood, talk);
        talked.map_err(|f| {
            Failure::new(
                format!("{} (while ana streams 8 MiB without a newline)", f.expected),
                f.actual,
            )
        })?;

        let expected = "ana receives an error line or is disconnected (either is fine) after \
                        streaming 8 MiB without a newline";
        if let Err(e) = &flooded
            && e.kind() == io::ErrorKind::TimedOut
        {
            return Err(Failure::new(
                expected,
                format!(
                    "after {written} bytes the server stopped reading ana's connection \
                     without answering or closing it (a write did not complete within {:?})",
                    s.shared.timeouts.expect
                ),
            )
            .into());
        }

        // ana's answer: an error line (then ana is still connected) or the end of the
        // connection.
        let answer = match flooded {
            Ok(()) => ana.read_until(|e| matches!(e, Event::Error { .. })).await,
            Err(_) => (Vec::new(), RawEnd::Broken), // the connection broke during the flood
        };
        // Whatever ana's handler made of the flood reaches beto and carla before its next
        // broadcast (ORDER-1): ana's next message if ana is still there, else its leave.
        let mut ends = vec![ana_left.clone()];
        if let RawEnd::Found | RawEnd::Quiet = answer.1 {
            let text = s.sentinel();
            let p = s.shared.profile.clone();
            let message = p.frame(p.send.render(&ana.wire, &text).as_bytes());
            if ana.write(&message, Some(&text)).await.is_ok() {
                ends.push(Event::chat(&ana, &text));
            }
        }
        let when = "because of ana's flood (nothing of it is broadcast)";
        for (user, seen) in [(&mut beto, left_seen[0]), (&mut carla, left_seen[1])] {
            if seen {
                continue; // ana's leave already came, after everything of ana's
            }
            let before = collect_until_any(user, &ends).await?;
            nothing_else_cut(user, &before, when)?;
        }
        if let (got, RawEnd::Quiet) = answer {
            let got: Vec<Event> = got.into_iter().filter(|e| *e != Event::Prompt).collect();
            return Err(Failure::new(
                expected,
                format!(
                    "ana is still connected and received no error line within {:?} \
                     (received: {})",
                    s.shared.timeouts.expect,
                    shown_list(&s, &got)
                ),
            )
            .into());
        }

        // beto and carla still talk normally.
        let when = "after the flood";
        let before = s.barrier(&mut beto, &mut [&mut carla]).await?;
        nothing_else_cut(&carla, &without(&before[0], &ana_left), when)?;
        let before = s.barrier(&mut carla, &mut [&mut beto]).await?;
        nothing_else_cut(&beto, &without(&before[0], &ana_left), when)?;
        Ok(())
    })
}

/// The next event of `user` must be `want`, except that `tolerated` may come before it.
/// Returns whether it did.
async fn expect_past(user: &mut User, want: &Event, tolerated: &Event) -> Result<bool, Failure> {
    let before = user.collect_until(want).await?;
    if before.iter().all(|e| e == tolerated) {
        return Ok(!before.is_empty());
    }
    Err(Failure::new(
        format!("{} receives {}", user.name, short(&user.show(want))),
        format!("{} received {} first", user.name, shown_list(user, &before)),
    ))
}

/// Every event of `user` before the first of `ends`, which must come (each event within the
/// expectation timeout).
async fn collect_until_any(user: &mut User, ends: &[Event]) -> Result<Vec<Event>, Failure> {
    let mut before = Vec::new();
    loop {
        match user.next().await {
            Ok(event) if ends.contains(&event) => return Ok(before),
            Ok(event) => before.push(event),
            Err(f) => {
                let ends: Vec<String> = ends.iter().map(|e| user.show(e)).collect();
                return Err(Failure::new(
                    format!("{} receives {}", user.name, ends.join(" or ")),
                    format!(
                        "{}; received before: {}",
                        f.actual,
                        shown_list(user, &before)
                    ),
                ));
            }
        }
    }
}

/// `events` without any `unwanted`.
fn without(events: &[Event], unwanted: &Event) -> Vec<Event> {
    events.iter().filter(|e| *e != unwanted).cloned().collect()
}
