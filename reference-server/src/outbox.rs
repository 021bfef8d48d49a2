//! Each client's outbound queue: THE fix for the seed's slow-reader problem (SLOW-1), and the
//! place where a sender faster than its readers is slowed down (SLOW-2).
//!
//! The Python seed's `broadcast` does `for c in self.clients: c.sendall(msg)` while it holds
//! `clients_lock`. `sendall` blocks as soon as one client's TCP buffers are full, that is, as
//! soon as one client stops reading, and from then on the lock is never released: every other
//! client's handler blocks on the lock and the whole room freezes.
//!
//! Here nobody writes to a socket while holding the room lock. `Room::broadcast` only *pushes*
//! the (already formatted, shared) line onto each member's [`Outbox`], which is quick and
//! never blocks on the network. Each member has its own writer thread
//! ([`run_writer`](crate::writer::run_writer)) that takes everything queued so far and
//! writes it. A client that stops reading only blocks its own writer thread.
//!
//! # Three lessons, one per way a room can go wrong
//!
//! 1. **Don't send under the lock** (the seed's bug): queue under the lock, write outside it.
//! 2. **Don't wake writers under the lock**: [`Outbox::enqueue`] only says whether the writer
//!    needs a wake-up; the room makes that system call after letting go of its lock.
//! 3. **A queue is not a solution to a sender that is faster than its readers; it only moves
//!    the problem.** With queues alone, one user pasting megabytes fills every reader's queue,
//!    and the only way to bound memory is to drop a reader whose queue is full — a reader who
//!    did nothing wrong. So the queue has *water marks*: while a reader's queue holds more
//!    than its high-water mark ([`Outbox::is_congested`]) nobody adds to it; a sender that
//!    wants to waits ([`Outbox::wait_drained`]) until the writer has brought it below the
//!    low-water mark. The waiting sender's handler stops reading its socket, so TCP's own
//!    flow control slows the flooding *client* down: back-pressure, all the way to the
//!    source. Readers who keep reading lose nothing and are never dropped.
//!
//! Back-pressure alone would let one client that never reads stall the room for ever (the
//! seed's bug again, one level up). So a writer that makes no progress at all — not one byte
//! written — for `--stall-timeout` while data waits gives up, and its client is disconnected
//! (see [`crate::writer`]): once its socket buffers are full, the others wait about that
//! long (measured: 2.0–2.5 s with the default 2 s). `--max-queue` remains as the
//! memory bound; with the water marks below it, only a client that stopped reading can reach
//! it (joins and leaves are never held back), and that client is disconnected as too slow
//! ([`Overflow`]). Memory per client is thus bounded by `--max-queue`, however fast anyone
//! sends.
//!
//! Because the writer is the only thread that writes to its socket, and every queued item is a
//! whole line, lines are never torn or glued together (FRAME-3).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// One line ready to be sent, `\n` included, shared by every receiver of a broadcast:
/// formatted once, immutable and reference-counted, never copied per receiver (cloning a
/// `Bytes` adds a reference).
pub use bytes::Bytes;

/// Turns a protocol line (without `\n`) into the bytes sent on the wire.
pub fn encode(line: &str) -> Bytes {
    encode_all(std::slice::from_ref(&line))
}

/// Turns several protocol lines into one buffer of wire bytes, each line ended by `\n`.
pub fn encode_all(lines: &[impl AsRef<str>]) -> Bytes {
    let len = lines.iter().map(|l| l.as_ref().len() + 1).sum();
    let mut bytes = Vec::with_capacity(len);
    for line in lines {
        bytes.extend_from_slice(line.as_ref().as_bytes());
        bytes.push(b'\n');
    }
    Bytes::from(bytes)
}

/// The high-water mark for a queue bounded by `max_bytes` (`--max-queue`): above it, senders
/// wait. Half the bound, so that the burst of the one sender who passed the mark last (at most
/// [`max_burst_bytes`] and a line) still fits under the bound.
pub fn high_water(max_bytes: usize) -> usize {
    max_bytes / 2
}

/// The low-water mark: a waiting sender goes on once the queue holds no more than this.
/// Lower than the high mark, so that a sender woken up can send a good deal before it has
/// to wait again (one wake-up per quarter of the bound, not one per line).
pub fn low_water(max_bytes: usize) -> usize {
    max_bytes / 4
}

/// The most bytes of chat lines one sender broadcasts together (see `ClientHandler::chat`):
/// a quarter of the bound, so high water plus one burst stays under it.
pub fn max_burst_bytes(max_bytes: usize) -> usize {
    max_bytes / 4
}

/// Whether a writer must be woken after [`Outbox::enqueue`].
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The queue was empty, so the writer may be asleep: call [`Outbox::wake`].
    Writer,
    /// The writer is awake already (or the outbox is closed).
    Nobody,
}

/// The queue is full: the client has more than `--max-queue` bytes waiting. The caller should
/// disconnect it as too slow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

/// A bounded outbound queue for one client, with water marks for back-pressure.
///
/// Pushed to by any thread (broadcasts, the client's own handler), drained by one writer thread.
#[derive(Debug)]
pub struct Outbox {
    state: Mutex<State>,
    /// Bytes not yet written, as in `State::bytes`, or 0 once closed: read without the lock
    /// by [`is_congested`](Self::is_congested), which the room asks of every member on every
    /// broadcast.
    unsent: AtomicUsize,
    /// Wakes the writer: something was queued, or the outbox was closed.
    wake_writer: Condvar,
    /// Wakes whoever waits in [`Outbox::wait_finished`].
    writer_done: Condvar,
    /// Wakes senders waiting in [`Outbox::wait_drained`].
    drained: Condvar,
    max_bytes: usize,
    high_water: usize,
    low_water: usize,
}

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<Bytes>,
    /// Bytes queued or being written right now (so the limit counts everything not yet sent).
    bytes: usize,
    /// No more lines are accepted; the writer exits once the queue is empty.
    closed: bool,
    /// The writer thread has finished.
    finished: bool,
    /// Senders waiting in [`Outbox::wait_drained`]: only then is `drained` notified.
    waiting: usize,
}

impl Outbox {
    /// An empty outbox that holds at most `max_bytes` unsent bytes (`--max-queue`), with the
    /// water marks [`high_water`] and [`low_water`] of that bound.
    pub fn new(max_bytes: usize) -> Self {
        Outbox {
            state: Mutex::new(State::default()),
            unsent: AtomicUsize::new(0),
            wake_writer: Condvar::new(),
            writer_done: Condvar::new(),
            drained: Condvar::new(),
            max_bytes,
            high_water: high_water(max_bytes),
            low_water: low_water(max_bytes),
        }
    }

    /// The queue's lock. A poisoned lock is used anyway: every update of `State` is a few
    /// plain assignments that cannot panic halfway, so its data is always consistent.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets `state.bytes` and its lock-free copy together.
    fn set_bytes(&self, state: &mut State, bytes: usize) {
        state.bytes = bytes;
        let unsent = if state.closed { 0 } else { bytes };
        self.unsent.store(unsent, Ordering::Relaxed);
    }

    /// Queues `line` for sending. Never blocks on the network.
    ///
    /// Returns [`Overflow`] when the line does not fit under the byte limit; the line is then
    /// not queued. A line always fits into an empty queue, so a small `--max-queue` never
    /// disconnects a client that keeps up. After [`close`](Self::close) lines are silently
    /// dropped: the client is leaving.
    pub fn push(&self, line: Bytes) -> Result<(), Overflow> {
        if self.enqueue(line)? == Wake::Writer {
            self.wake();
        }
        Ok(())
    }

    /// Queues `line` like [`push`](Self::push) but leaves waking the writer to the caller,
    /// who must call [`wake`](Self::wake) when told to — the room does it after releasing
    /// its lock, so no thread waits on the room lock while another makes a wake-up call.
    pub fn enqueue(&self, line: Bytes) -> Result<Wake, Overflow> {
        let mut state = self.state();
        if state.closed {
            return Ok(Wake::Nobody);
        }
        if state.bytes > 0 && state.bytes + line.len() > self.max_bytes {
            return Err(Overflow);
        }
        let was_empty = state.queue.is_empty();
        let bytes = state.bytes + line.len();
        self.set_bytes(&mut state, bytes);
        state.queue.push_back(line);
        // The writer only ever waits when the queue is empty, so only then can it be asleep.
        Ok(if was_empty {
            Wake::Writer
        } else {
            Wake::Nobody
        })
    }

    /// Wakes the writer (after [`enqueue`](Self::enqueue) said so).
    pub fn wake(&self) {
        self.wake_writer.notify_one();
    }

    /// True while more than the high-water mark waits to be written and the outbox is open:
    /// then nobody should add chat to it until it has drained (lesson 3 in the module's
    /// header). Lock-free, so the room can ask every member on every broadcast. The answer
    /// may be stale by the time it is used, but only ever towards "congested" (the writer
    /// is the only one who lowers the count meanwhile), and [`wait_drained`](Self::wait_drained)
    /// then returns at once.
    pub fn is_congested(&self) -> bool {
        self.unsent.load(Ordering::Relaxed) > self.high_water
    }

    /// Waits until no more than the low-water mark waits to be written, or the outbox is
    /// closed (its client is leaving, or was disconnected). Called by a sender, never with
    /// the room lock held. Bounded: a writer that makes no progress for `--stall-timeout`
    /// gives up and closes the outbox (see [`crate::writer`]).
    pub fn wait_drained(&self) {
        let mut state = self.state();
        while !state.closed && state.bytes > self.low_water {
            state.waiting += 1;
            state = self
                .drained
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.waiting -= 1;
        }
    }

    /// How many senders wait in [`wait_drained`](Self::wait_drained) right now (for tests).
    #[cfg(test)]
    pub(crate) fn senders_waiting(&self) -> usize {
        self.state().waiting
    }

    /// Accepts no more lines. The writer still sends what is queued, then exits.
    pub fn close(&self) {
        self.close_and(|_| {});
    }

    /// Accepts no more lines and forgets what is queued (a client disconnected as too slow:
    /// its backlog is freed at once). The writer exits after its current write, if any.
    pub fn close_discarding(&self) {
        self.close_and(|state| state.queue.clear());
    }

    /// Closes the outbox after `also` has done its part, and wakes everyone who waits on it.
    fn close_and(&self, also: impl FnOnce(&mut State)) {
        let mut state = self.state();
        state.closed = true;
        also(&mut state);
        let bytes = state.bytes;
        self.set_bytes(&mut state, bytes);
        let senders_wait = state.waiting > 0;
        drop(state);
        self.wake_writer.notify_one();
        if senders_wait {
            self.drained.notify_all();
        }
    }

    /// For the writer: waits until something is queued, then takes all of it (appended to
    /// `batch`). False when the outbox is closed and nothing is left to send.
    pub(crate) fn take_all(&self, batch: &mut Vec<Bytes>) -> bool {
        let mut state = self.state();
        while state.queue.is_empty() && !state.closed {
            state = self
                .wake_writer
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        batch.extend(state.queue.drain(..));
        !batch.is_empty()
    }

    /// For the writer: `n` more bytes were written. Wakes the waiting senders once the queue
    /// is down to the low-water mark.
    pub(crate) fn sent(&self, n: usize) {
        let mut state = self.state();
        let bytes = state.bytes.saturating_sub(n);
        self.set_bytes(&mut state, bytes);
        let wake_senders = state.waiting > 0 && bytes <= self.low_water;
        drop(state);
        if wake_senders {
            self.drained.notify_all();
        }
    }

    /// For the writer: it has finished (wakes [`wait_finished`](Self::wait_finished)).
    pub(crate) fn finish(&self) {
        self.state().finished = true;
        self.writer_done.notify_all();
    }

    /// Waits until the writer thread has finished, at most `timeout`. True if it has.
    pub fn wait_finished(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.state();
        while !state.finished {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self
                .writer_done
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, mpsc};
    use std::thread;

    #[test]
    fn slow_1_push_fails_past_the_limit_and_a_line_always_fits_an_empty_queue() {
        let outbox = Outbox::new(10);
        assert_eq!(outbox.push(encode("a very long line indeed")), Ok(()));
        assert_eq!(outbox.push(encode("x")), Err(Overflow));
        let outbox = Outbox::new(10);
        assert_eq!(outbox.push(encode("1234")), Ok(()));
        assert_eq!(outbox.push(encode("1234")), Ok(()));
        assert_eq!(outbox.push(encode("")), Err(Overflow));
    }

    #[test]
    fn slow_2_congested_above_high_water_until_written_down_to_low_water() {
        let outbox = Outbox::new(400); // high water 200, low water 100
        outbox.push(encode(&"a".repeat(199))).unwrap(); // 200 bytes: at the mark, not above
        assert!(!outbox.is_congested());
        outbox.push(encode("b")).unwrap();
        assert!(outbox.is_congested());
        let mut batch = Vec::new();
        assert!(outbox.take_all(&mut batch));
        outbox.sent(101); // 101 left: still above low water
        assert!(!outbox.is_congested());

        let (done_tx, done) = mpsc::channel();
        let waiter = {
            let outbox = Arc::new(outbox);
            let for_waiter = Arc::clone(&outbox);
            let waiter = thread::spawn(move || {
                for_waiter.wait_drained();
                done_tx.send(()).unwrap();
            });
            // Whether the waiter is already waiting or not, it returns only after this.
            outbox.sent(1);
            waiter
        };
        done.recv_timeout(Duration::from_secs(10))
            .expect("the waiter returns once the queue is at low water");
        waiter.join().unwrap();
    }

    #[test]
    fn slow_2_a_closed_outbox_is_never_congested_and_releases_its_waiters() {
        let outbox = Arc::new(Outbox::new(10));
        outbox.push(encode("far more than ten bytes")).unwrap();
        assert!(outbox.is_congested());
        let (done_tx, done) = mpsc::channel();
        let waiter = {
            let outbox = Arc::clone(&outbox);
            thread::spawn(move || {
                outbox.wait_drained();
                done_tx.send(()).unwrap();
            })
        };
        outbox.close_discarding();
        assert!(!outbox.is_congested());
        done.recv_timeout(Duration::from_secs(10))
            .expect("closing releases a waiting sender");
        waiter.join().unwrap();
    }

    #[test]
    fn wait_finished_times_out_without_a_writer() {
        assert!(!Outbox::new(10).wait_finished(Duration::from_millis(1)));
    }
}
