//! `slow.flood*`: a user that keeps reading is never dropped, and loses nothing, however fast
//! another user sends (SLOW-2) — alone, and beside a user who never reads (SLOW-1's
//! situation).
//!
//! beto writes 16,000 messages of 1 KB (16 MB) as fast as the connection takes them, many to
//! a write; carla reads all the time and must receive every one, in order, and stay
//! connected. A server may slow beto down (it reads from him only as fast as it can deliver),
//! never disconnect him for it, nor carla.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{NONREADER_RECV_BUFFER, hold_back, skip_chunk_framing};
use crate::case::TestCase;
use crate::catalogue::support::{connect_raw, nothing_else, sees_raw_join};
use crate::model::Direction;
use crate::profile::Profile;
use crate::session::Session;
use crate::user::User;
use crate::verdict::{Failure, Outcome, Verdict};
use crate::wire::Event;

/// Messages beto sends.
const COUNT: usize = 16_000;
/// Bytes of each message's text: 16,000 of them are 16 MB.
const TEXT_BYTES: usize = 1024;
/// Messages per write of beto's: as fast as the connection takes them.
const PER_WRITE: usize = 64;

const CAUSES: &str = "each client has an outbound queue with a byte limit, and a client whose \
     queue passes it is disconnected as too slow: a flood fills the queue of a reader who does \
     nothing wrong, just because the sender writes faster than anyone can read. The fix is \
     back-pressure: while a reader's queue is full, stop reading from the senders who add to \
     it (TCP then slows the sending client down) instead of dropping the reader; disconnect \
     only a user who takes nothing at all for a while.";

pub(super) fn flood() -> TestCase {
    TestCase::strict(
        "slow.flood",
        "SLOW-2",
        "a user floods 16 MB as fast as it can: a user who keeps reading gets all of it and stays",
    )
    .steps(
        "carla and beto join; beto writes 16,000 messages of 1 KB (16 MB) as fast as the \
         server takes them, 64 to a write; carla reads all the time and must receive every \
         one, in order, each within twice the expectation timeout of the previous one, and \
         stay connected; then beto sends a sentinel, which carla must receive next. The \
         server may slow beto down, never disconnect him or carla.",
    )
    .causes(CAUSES)
    .budget(std::time::Duration::from_secs(60))
    .run(|mut s| async move { run(&mut s, false).await })
}

pub(super) fn flood_beside_nonreader() -> TestCase {
    TestCase::strict(
        "slow.flood_nonreader",
        "SLOW-2",
        "the same flood beside a user who never reads: the reader still gets all of it",
    )
    .steps(
        "carla and beto join, then ana, who never reads anything (a small receive buffer, \
         never drained); beto writes 16,000 messages of 1 KB (16 MB) as fast as the server \
         takes them; carla reads all the time and must receive every one, in order, each \
         within twice the expectation timeout of the previous one (the server may hold the \
         room back for a moment while it finds out that ana has stopped reading), and stay \
         connected; then beto sends a sentinel, which carla must receive next. The server may \
         disconnect ana (announced once), never beto or carla.",
    )
    .causes(format!(
        "{CAUSES} Or the room stalls behind ana: broadcast calls sendall on every socket while \
         holding the lock (the course seed; see slow.consumer, SLOW-1), or a server that \
         holds senders back for a full queue never gives up on a user who takes nothing."
    ))
    .budget(std::time::Duration::from_secs(60))
    .run(|mut s| async move { run(&mut s, true).await })
}

/// beto's `k`-th message (from 0): its number, padded to [`TEXT_BYTES`]. Its wire name
/// makes the text unique in the run, so that a server relaying only the text cannot pass
/// off one test's flood as the next one's.
fn text(beto: &str, k: usize) -> String {
    let number = format!("flood {beto} #{k:05} ");
    let padding = TEXT_BYTES.saturating_sub(number.len());
    number + &"x".repeat(padding)
}

async fn run(s: &mut Session, with_nonreader: bool) -> Outcome {
    skip_chunk_framing(s)?;
    if s.profile().echo {
        return Err(Verdict::Skip(
            "echoing profile: the server would send beto's 16 MB back to him while he is busy \
             writing, and this test needs a sender that only sends"
                .into(),
        ));
    }
    let [mut carla, mut beto] = s.room(["carla", "beto"]).await?;
    let ana = if with_nonreader {
        let mut ana = connect_raw(s, "ana", Some(NONREADER_RECV_BUFFER)).await?;
        ana.send_name().await?;
        sees_raw_join(s, &mut ana, &mut [&mut carla, &mut beto]).await?;
        s.shared
            .transcript
            .record("ana", Direction::Event, "stops reading, for good");
        Some(ana)
    } else {
        None
    };
    let ana_left = ana.as_ref().map(Event::leave);
    let patience = hold_back(s);
    carla.set_timeout(patience);
    beto.set_timeout(patience);

    let written = Arc::new(AtomicUsize::new(0));
    let beto_wire = beto.wire.clone();
    let profile = Arc::clone(&s.shared.profile);
    let mut sender = tokio::spawn(write_flood(beto, profile, Arc::clone(&written)));
    let mut leaves = 0;
    for k in 0..COUNT {
        let event = loop {
            match carla.next().await {
                Ok(event) if Some(&event) == ana_left.as_ref() => leaves += 1,
                other => break other,
            }
        };
        let wanted = Event::chat(&beto_wire, &text(&beto_wire, k));
        let actual = match event {
            Ok(event) if event == wanted => continue,
            Ok(event) => format!(
                "carla received {k} of them in order, then {} instead of message #{k:05}",
                carla.show(&event)
            ),
            Err(f) if carla.has_ended() => format!(
                "carla received {k} of them, then {} (a reader who keeps reading was \
                 disconnected)",
                f.actual
            ),
            Err(f) if with_nonreader => format!(
                "carla received {k} of them, then {}: the room stalled while ana was not \
                 reading (SLOW-1)",
                f.actual
            ),
            Err(f) => format!("carla received {k} of them, then {}", f.actual),
        };
        sender.abort();
        let beto_wrote = written.load(Ordering::Relaxed);
        return Err(Failure::new(
            format!(
                "carla receives all {COUNT} of beto's messages, in order, each within \
                 {patience:?} of the previous one{}",
                if with_nonreader {
                    ", while ana is not reading (the server may disconnect ana)"
                } else {
                    ""
                }
            ),
            format!("{actual} (beto had written {beto_wrote})"),
        )
        .into());
    }
    let mut beto = match (&mut sender).await {
        Ok(result) => result?,
        Err(e) => return Err(Failure::new("beto finishes sending", e.to_string()).into()),
    };
    // Both still there, and nothing more arrived: no second leave of ana's, no extra line.
    let before = s.barrier(&mut beto, &mut [&mut carla]).await?;
    let mut rest: Vec<Event> = before.into_iter().flatten().collect();
    if let Some(ana_left) = &ana_left {
        leaves += rest.iter().filter(|e| *e == ana_left).count();
        rest.retain(|e| e != ana_left);
        if leaves > 1 {
            return Err(Failure::new(
                "carla receives ana's leave at most once",
                format!("carla received it {leaves} times"),
            )
            .into());
        }
    }
    nothing_else(&carla, &rest, "after beto's flood")?;
    drop(ana);
    Ok(())
}

/// beto's side: every message, [`PER_WRITE`] to a write, as fast as the server takes them.
/// `written` counts the messages written so far, for the failure message.
async fn write_flood(
    mut beto: User,
    profile: Arc<Profile>,
    written: Arc<AtomicUsize>,
) -> Result<User, Failure> {
    for first in (0..COUNT).step_by(PER_WRITE) {
        let last = COUNT.min(first + PER_WRITE);
        let mut bytes = Vec::with_capacity((last - first) * (TEXT_BYTES + 64));
        for k in first..last {
            let text = text(&beto.wire, k);
            beto.wrote(&text);
            let message = profile.send.render(&beto.wire, &text);
            bytes.extend_from_slice(&profile.frame(message.as_bytes()));
        }
        beto.send_raw(&bytes).await?;
        written.store(last, Ordering::Relaxed);
    }
    Ok(beto)
}
