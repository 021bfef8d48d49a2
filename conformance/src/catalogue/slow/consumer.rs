//! `slow.consumer`: a user that stops reading never stalls the others (SLOW-1).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

use super::{NONREADER_RECV_BUFFER, hold_back, skip_chunk_framing};
use crate::case::TestCase;
use crate::catalogue::support::{connect_raw, sees_raw_join};
use crate::check::Delivery;
use crate::model::Direction;
use crate::verdict::Failure;
use crate::wire::Event;

/// Messages beto sends.
const COUNT: usize = 4000;
/// Bytes of padding per message (the text is a little longer).
const PADDING: usize = 3000;
/// Most messages beto may be ahead of carla's reading (about 200 KB).
const WINDOW: usize = 64;

pub(super) fn consumer() -> TestCase {
    TestCase::strict(
        "slow.consumer",
        "SLOW-1",
        "a user that never reads does not stall the room: 12 MB still reach the others",
    )
    .steps(
        "carla and beto join, then ana, who never reads anything (a small receive buffer, \
         never drained); beto sends 4,000 messages of about 3,000 bytes (12 MB, far more than \
         any socket buffer holds), never more than 64 ahead of what carla has read (so carla \
         is never the slow one); carla must receive every one, in order, each within twice \
         the expectation timeout of the previous one (the server may hold the room back for a \
         moment while it finds out that ana has stopped reading); then beto sends a sentinel \
         and carla must have received each message exactly once. The server may disconnect \
         ana (carla may then receive ana's leave).",
    )
    .causes(
        "broadcast calls sendall on every socket while holding the lock: once ana's socket \
         buffer is full, sendall blocks forever, with the lock held, and every other handler \
         waits for that lock (the course seed does exactly this); a per-client queue without \
         a bound (memory grows until the server dies) or a writer that blocks the broadcaster \
         when that queue is full.",
    )
    .budget(Duration::from_secs(60))
    .run(|s| async move {
        skip_chunk_framing(&s)?;
        let [mut carla, mut beto] = s.room(["carla", "beto"]).await?;
        let mut ana = connect_raw(&s, "ana", Some(NONREADER_RECV_BUFFER)).await?;
        ana.send_name().await?;
        let ana_left = Event::leave(&ana);
        sees_raw_join(&s, &mut ana, &mut [&mut carla, &mut beto]).await?;
        s.shared
            .transcript
            .record("ana", Direction::Event, "stops reading, for good");
        let patience = hold_back(&s);
        carla.set_timeout(patience);
        beto.set_timeout(patience);

        let mut delivery = Delivery::for_profile(s.profile());
        delivery.name(&carla.wire, &carla.name);
        let texts: Vec<String> = (1..=COUNT)
            .map(|k| format!("beto #{k:04} {}", "x".repeat(PADDING)))
            .collect();
        for text in &texts {
            delivery.sent(&beto.wire, text);
        }
        let written = Arc::new(AtomicUsize::new(0));
        let progress = written.clone();
        // beto stays at most WINDOW messages ahead of what carla has read, so carla is never
        // the slow one: only ana's unread data piles up.
        let window = Arc::new(Semaphore::new(WINDOW));
        let permits = window.clone();
        let mut sender = tokio::spawn(async move {
            for text in &texts {
                match permits.acquire().await {
                    Ok(permit) => permit.forget(),
                    Err(_) => break,
                }
                beto.say(text).await?;
                progress.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, Failure>(beto)
        });

        // carla reads while beto writes: every message must keep coming.
        let mut received = Vec::with_capacity(COUNT);
        let mut chats = 0;
        while chats < COUNT {
            match carla.next().await {
                Ok(event) if event == ana_left => {} // the server may drop ana: fine
                Ok(event) => {
                    if matches!(event, Event::Chat { .. }) {
                        chats += 1;
                        window.add_permits(1);
                    }
                    received.push(event);
                }
                Err(f) => {
                    sender.abort();
                    let beto_wrote = written.load(Ordering::Relaxed);
                    let actual = if carla.has_ended() {
                        format!(
                            "carla received {chats} of {COUNT} messages, then {} (beto had \
                             written {beto_wrote})",
                            f.actual
                        )
                    } else {
                        format!(
                            "carla received {chats} of {COUNT} messages; the room stalled \
                             while ana was not reading ({}; beto had written {beto_wrote})",
                            f.actual
                        )
                    };
                    return Err(Failure::new(
                        format!(
                            "carla receives all {COUNT} of beto's messages, each within \
                             {patience:?} of the previous one, while ana is not reading (the \
                             server may disconnect ana)"
                        ),
                        actual,
                    )
                    .into());
                }
            }
        }
        let mut beto = match (&mut sender).await {
            Ok(result) => result?,
            Err(e) => return Err(Failure::new("beto finishes sending", e.to_string()).into()),
        };
        let before = s.barrier(&mut beto, &mut [&mut carla]).await?;
        received.extend(before[0].iter().filter(|e| **e != ana_left).cloned());
        delivery.received(&carla.wire, received);
        delivery.judge(false)?;
        drop(ana);
        Ok(())
    })
}
