//! One load user's connection: a reader task that sorts, counts and times everything it
//! receives (each line into one count of [`Received`]), and, for a sender, a writer loop. Much leaner than the test suite's `User`: no transcript,
//! no event queue, no allocation per line — a run has thousands of them and millions of lines.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::received::{Arrival, Received};
use super::recorder::{BATCH, Batch, Recorder};
use super::tally::Milestone;
use super::wording::Wording;

/// Read buffer of one user; also the longest line it can take whole.
const READ_BUF: usize = 64 * 1024;
/// Bytes kept to quote of a line longer than [`READ_BUF`], and what is said of it.
const LONG_SAMPLE: usize = 100;
const TOO_LONG: &str = "… (a line longer than 65536 bytes)";
/// What is said of bytes left without a line ending when the connection or the run ended.
const NO_LINE_ENDING: &str = " (no line ending)";

/// What every user of a run shares.
#[derive(Debug)]
pub struct Shared {
    /// Timestamps are nanoseconds since this instant.
    pub base: Instant,
    /// The server's lines (welcome, join, prompt) as the profile words them, and how load
    /// messages are written and recognised.
    pub wording: Wording,
    /// Messages each sender sends; a higher sequence number is unexpected.
    pub messages: u64,
    /// Users of the run; user `i` is named `name_prefix` followed by `i`.
    pub users: usize,
    /// What every user's name starts with (`u` and the run's tag).
    pub name_prefix: Box<[u8]>,
    /// Users welcomed by the server.
    pub welcomed: Milestone,
    /// Join lines received, all users together.
    pub joins: Milestone,
    /// First receipts of load messages, with or without their sender's name, all users
    /// together.
    pub arrived: Milestone,
    /// When the last first receipt arrived (ns since `base`).
    pub last_arrival_ns: AtomicU64,
    /// Latency of every first receipt with the sender's name, fed in batches by the readers.
    pub recorder: Recorder,
    /// Ends every reader (the run is over).
    pub stop: CancellationToken,
}

impl Shared {
    /// Nanoseconds since the run's base.
    pub fn now_ns(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// The index of the user called `name`, if it is one of this run's.
    pub fn user_of(&self, name: &[u8]) -> Option<usize> {
        let digits = name.strip_prefix(&*self.name_prefix)?;
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let index = std::str::from_utf8(digits).ok()?.parse::<usize>().ok()?;
        (index < self.users).then_some(index)
    }
}

/// Reads everything user `me` (sender index `me` if it is one) receives until the run stops.
pub async fn read_loop(
    me: usize,
    name: String,
    mut socket: OwnedReadHalf,
    shared: Arc<Shared>,
) -> Received {
    let wording = &shared.wording;
    let mut seen = Received::new(wording.senders(), shared.users);
    let welcome = wording.welcome_for(&name);
    let mut prompt: &[u8] = &wording.prompt;
    let mut buf = vec![0_u8; READ_BUF];
    let mut filled = 0;
    let mut discarding = false;
    let mut batch: Batch = Vec::with_capacity(BATCH);
    loop {
        if filled == buf.len() {
            // A line longer than anything we send: count it, drop it up to its end.
            seen.unparsed(&buf[..LONG_SAMPLE], TOO_LONG);
            discarding = true;
            filled = 0;
        }
        let read = tokio::select! {
            biased;
            () = shared.stop.cancelled() => break,
            read = socket.read(&mut buf[filled..]) => read,
        };
        let n = match read {
            Ok(0) | Err(_) => {
                seen.closed_early = true;
                break;
            }
            Ok(n) => n,
        };
        let now = shared.now_ns();
        let end = filled + skip_prompt(&mut prompt, &mut buf[filled..filled + n]);
        let (mut delivered, mut nameless, mut joins, mut start) = (0, 0, 0, 0);
        for newline in memchr::memchr_iter(b'\n', &buf[filled..end]).map(|i| i + filled) {
            let line = &buf[start..newline];
            start = newline + 1;
            if std::mem::take(&mut discarding) {
                continue;
            }
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let stripped;
            let line = if wording.strip_ansi {
                stripped = crate::wire::strip_ansi(&String::from_utf8_lossy(line));
                stripped.as_bytes()
            } else {
                line
            };
            let kind = wording.classify(line, &welcome);
            let user_of = |name: &[u8]| shared.user_of(name);
            match seen.count(kind, line, me, wording.echo, shared.messages, user_of) {
                Arrival::Delivery { sent_ns } => {
                    delivered += 1;
                    batch.push((now, now.saturating_sub(sent_ns)));
                }
                Arrival::WithoutSender => nameless += 1,
                Arrival::Join => joins += 1,
                Arrival::Welcome => shared.welcomed.add(1),
                Arrival::Nothing => {}
            }
        }
        buf.copy_within(start..end, 0);
        filled = end - start;
        shared.joins.add(joins);
        if delivered + nameless > 0 {
            shared.last_arrival_ns.fetch_max(now, Ordering::Relaxed);
            shared.arrived.add(delivered + nameless);
        }
        if batch.len() >= BATCH {
            shared.recorder.take(&mut batch);
        }
    }
    if filled > 0 && !discarding {
        seen.unparsed(&buf[..filled], NO_LINE_ENDING);
    }
    shared.recorder.take(&mut batch);
    seen
}

/// Removes from the start of `data` what is left of the prompt the server sends before it
/// reads the name; returns how many bytes of `data` remain (moved to its front).
fn skip_prompt(prompt: &mut &[u8], data: &mut [u8]) -> usize {
    if prompt.is_empty() {
        return data.len();
    }
    let k = prompt.len().min(data.len());
    if data[..k] != prompt[..k] {
        *prompt = &[]; // not the prompt after all: keep everything
        return data.len();
    }
    *prompt = &prompt[k..];
    data.copy_within(k.., 0);
    data.len() - k
}

/// How sender `me` paces its messages.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Messages per second, or `None` for as fast as the connection takes them.
    pub rate: Option<f64>,
    /// Where this sender's first tick falls in the period (0..1), so that paced senders are
    /// spread over the period instead of all sending at once.
    pub phase: f64,
}

/// Sends sender `me`'s messages; returns how many were written (fewer if the connection
/// failed or the run was stopped).
pub async fn send_loop(
    me: usize,
    socket: &mut OwnedWriteHalf,
    shared: &Shared,
    pace: Pace,
    start: tokio::time::Instant,
) -> u64 {
    let mut ticker = pace.rate.map(|rate| {
        let period = Duration::from_secs_f64(1.0 / rate);
        let mut ticker = tokio::time::interval_at(start + period.mul_f64(pace.phase), period);
        // A late tick is sent at once: the rate holds over the run.
        ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
        ticker
    });
    let mut line = Vec::with_capacity(128);
    let mut sent = 0;
    while sent < shared.messages {
        if let Some(ticker) = &mut ticker {
            tokio::select! {
                () = shared.stop.cancelled() => break,
                _ = ticker.tick() => {}
            }
        }
        line.clear();
        shared
            .wording
            .write_message(&mut line, me, sent, shared.now_ns());
        let written = tokio::select! {
            () = shared.stop.cancelled() => break,
            written = socket.write_all(&line) => written,
        };
        if written.is_err() {
            break;
        }
        sent += 1;
    }
    sent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_is_skipped_across_reads_and_only_if_it_is_there() {
        let mut prompt: &[u8] = b"name: ";
        let mut first = *b"nam";
        assert_eq!(skip_prompt(&mut prompt, &mut first), 0);
        let mut second = *b"e: Hi\n";
        let left = skip_prompt(&mut prompt, &mut second);
        assert_eq!(&second[..left], b"Hi\n");
        let mut third = *b"name: again\n";
        assert_eq!(skip_prompt(&mut prompt, &mut third), third.len());

        let mut prompt: &[u8] = b"name: ";
        let mut other = *b"Welcome\n";
        assert_eq!(skip_prompt(&mut prompt, &mut other), other.len());
        assert!(prompt.is_empty());
    }
}
