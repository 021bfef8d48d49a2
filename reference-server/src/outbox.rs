//! Each client's outbound queue and the writer thread that drains it: THE fix for the seed's
//! slow-reader problem (SLOW-1).
//!
//! The Python seed's `broadcast` does `for c in self.clients: c.sendall(msg)` while it holds
//! `clients_lock`. `sendall` blocks as soon as one client's TCP buffers are full, that is, as
//! soon as one client stops reading, and from then on the lock is never released: every other
//! client's handler blocks on the lock and the whole room freezes.
//!
//! Here nobody writes to a socket while holding the room lock. `Room::broadcast` only *pushes*
//! the (already formatted, shared) line onto each member's [`Outbox`], which is quick and
//! never blocks on the network. Each member has its own writer thread ([`run_writer`]) that
//! takes everything queued so far and writes it in one call. A client that stops reading only
//! blocks its own writer thread; its queue grows, and when it would pass `--max-queue` bytes
//! [`Outbox::push`] says [`Overflow`] and the room disconnects that client.
//!
//! Because the writer is the only thread that writes to its socket, and every queued item is a
//! whole line, lines are never torn or glued together (FRAME-3).

use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// One line ready to be sent, `\n` included, shared by every receiver of a broadcast:
/// formatted once, never copied per receiver.
pub type Bytes = Arc<[u8]>;

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
    bytes.into()
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

/// A bounded outbound queue for one client.
///
/// Pushed to by any thread (broadcasts, the client's own handler), drained by one writer thread.
#[derive(Debug)]
pub struct Outbox {
    state: Mutex<State>,
    /// Wakes the writer: something was queued, or the outbox was closed.
    wake_writer: Condvar,
    /// Wakes whoever waits in [`Outbox::wait_finished`].
    writer_done: Condvar,
    max_bytes: usize,
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
}

impl Outbox {
    /// An empty outbox that holds at most `max_bytes` unsent bytes (`--max-queue`).
    pub fn new(max_bytes: usize) -> Self {
        Outbox {
            state: Mutex::new(State::default()),
            wake_writer: Condvar::new(),
            writer_done: Condvar::new(),
            max_bytes,
        }
    }

    /// The queue's lock. A poisoned lock is used anyway: every update of `State` is a few
    /// plain assignments that cannot panic halfway, so its data is always consistent.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
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
        state.bytes += line.len();
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

    /// Accepts no more lines. The writer still sends what is queued, then exits.
    pub fn close(&self) {
        self.state().closed = true;
        self.wake_writer.notify_one();
    }

    /// Accepts no more lines and forgets what is queued (a client disconnected as too slow:
    /// its backlog is freed at once). The writer exits after its current write, if any.
    pub fn close_discarding(&self) {
        let mut state = self.state();
        state.closed = true;
        state.queue.clear();
        drop(state);
        self.wake_writer.notify_one();
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

/// The body of a client's writer thread: sends everything queued in `outbox` to `out`, in
/// order, until the outbox is closed and empty or a write fails.
///
/// Each round takes *all* queued lines and writes them with one `write_all`, so a busy room
/// costs one system call per round, not one per line. On a write error the outbox is closed
/// and emptied and the function returns; the caller shuts the socket down so the client's
/// handler notices too.
pub fn run_writer(outbox: &Outbox, mut out: impl Write) -> std::io::Result<()> {
    let mut batch: Vec<Bytes> = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let result = loop {
        {
            let mut state = outbox.state();
            while state.queue.is_empty() && !state.closed {
                state = outbox
                    .wake_writer
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if state.queue.is_empty() {
                break Ok(()); // closed and everything sent
            }
            batch.extend(state.queue.drain(..));
        }

        buf.clear();
        for line in batch.drain(..) {
            buf.extend_from_slice(&line);
        }
        if let Err(e) = out.write_all(&buf) {
            outbox.close_discarding();
            break Err(e);
        }
        let mut state = outbox.state();
        state.bytes = state.bytes.saturating_sub(buf.len());
        drop(state);

        // Don't keep a burst-sized buffer around for the rest of a quiet connection.
        if buf.capacity() > 64 * 1024 {
            buf = Vec::new();
        }
    };

    outbox.state().finished = true;
    outbox.writer_done.notify_all();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;
    use std::sync::mpsc;
    use std::thread;

    /// A writer that sends each write to a channel, or fails, or blocks until told to go on.
    struct Probe {
        writes: mpsc::Sender<Vec<u8>>,
        gate: Option<mpsc::Receiver<()>>,
        fail: bool,
    }

    impl Write for Probe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.fail {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            if let Some(gate) = &self.gate {
                let _ = gate.recv();
            }
            let _ = self.writes.send(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

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
    fn frame_3_writer_sends_whole_lines_in_order_and_ends_on_close() {
        let outbox = Arc::new(Outbox::new(1 << 20));
        let (tx, rx) = mpsc::channel();
        let (go, gate) = mpsc::channel();
        let writer = {
            let outbox = Arc::clone(&outbox);
            thread::spawn(move || {
                run_writer(
                    &outbox,
                    Probe {
                        writes: tx,
                        gate: Some(gate),
                        fail: false,
                    },
                )
            })
        };
        outbox.push(encode("uno")).unwrap();
        // Whether the writer takes "uno" alone or all three at once, the bytes are the same.
        outbox.push(encode("dos")).unwrap();
        outbox.push(encode("tres")).unwrap();
        outbox.close();
        outbox.push(encode("after close")).unwrap();
        go.send(()).unwrap();
        go.send(()).unwrap();
        let written: Vec<u8> = rx.iter().flatten().collect();
        assert_eq!(String::from_utf8(written).unwrap(), "uno\ndos\ntres\n");
        assert!(writer.join().unwrap().is_ok());
        assert!(outbox.wait_finished(Duration::ZERO));
    }

    #[test]
    fn clean_4_writer_ends_on_write_error() {
        let outbox = Arc::new(Outbox::new(1 << 20));
        outbox.push(encode("hola")).unwrap();
        let (tx, _rx) = mpsc::channel();
        let result = run_writer(
            &outbox,
            Probe {
                writes: tx,
                gate: None,
                fail: true,
            },
        );
        assert!(result.is_err());
        assert!(outbox.wait_finished(Duration::from_secs(1)));
    }

    #[test]
    fn wait_finished_times_out_without_a_writer() {
        assert!(!Outbox::new(10).wait_finished(Duration::from_millis(1)));
    }
}
