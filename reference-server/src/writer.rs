//! A client's writer thread: the only code that writes to a joined client's socket. It drains
//! the client's [`Outbox`], and it is the one that notices a client that has stopped reading.
//!
//! Each round takes *all* queued lines and writes them together, so a busy room costs one
//! system call per round, not one per line. The bytes are counted off the queue as the
//! kernel takes them (a partial write counts), which is what lets senders held back by the
//! queue's water marks go on as soon as the client catches up.
//!
//! **Stalls.** A blocking `write` waits while the client's TCP buffers are full. The socket
//! has a short send timeout, [`poll_interval`] (set by the client's handler before this
//! thread starts), so a write that the kernel takes nothing of returns `WouldBlock` after that
//! long, and the writer looks at its clock: when nothing at all has been written for
//! `--stall-timeout` while data was waiting, the client has *stopped reading*. A client that
//! reads, however slowly, lets the kernel take some bytes now and then, and that restarts the
//! clock. (One long send timeout would not do: a write that the kernel takes a few bytes of
//! at once and nothing more returns those bytes only when its timeout runs out, and looks
//! like progress.) On a stall (or any write error) the outbox is closed and emptied, which
//! releases every sender waiting for it, and the caller shuts the socket down: the client's
//! handler sees its connection end and announces the leave, once, like any other departure.
//! So one client that never reads holds the room back by about `--stall-timeout`, once its
//! kernel buffers are full (lesson 3 in [`crate::outbox`]).

use std::io::{self, Write};
use std::time::{Duration, Instant};

use crate::outbox::{Bytes, Outbox};

/// The send timeout a client's socket needs for stall detection with `stall_timeout`: a tenth
/// of it (at least 10 ms), so a stall is noticed within a tenth of the timeout.
pub fn poll_interval(stall_timeout: Duration) -> Duration {
    (stall_timeout / 10).max(Duration::from_millis(10))
}

/// The body of a client's writer thread: sends everything queued in `outbox` to `out`, in
/// order, until the outbox is closed and empty or a write fails. `out` should time out after
/// [`poll_interval`]`(stall_timeout)` without progress (a socket's send timeout).
///
/// On a write error, or a stall — nothing written for `stall_timeout` ([`is_stall`]) — the
/// outbox is closed and emptied and the error returned; the caller shuts the socket down so
/// the client's handler notices too.
pub fn run_writer(outbox: &Outbox, mut out: impl Write, stall_timeout: Duration) -> io::Result<()> {
    let mut batch: Vec<Bytes> = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let result = loop {
        if !outbox.take_all(&mut batch) {
            break Ok(()); // closed and everything sent
        }
        buf.clear();
        for line in batch.drain(..) {
            buf.extend_from_slice(&line);
        }
        if let Err(e) = write_counted(outbox, &mut out, &buf, stall_timeout) {
            outbox.close_discarding();
            break Err(e);
        }
        // Don't keep a burst-sized buffer around for the rest of a quiet connection.
        if buf.capacity() > 64 * 1024 {
            buf = Vec::new();
        }
    };
    outbox.finish();
    result
}

/// `write_all`, except that every write the kernel accepts, whole or partial, is counted off
/// `outbox` at once ([`Outbox::sent`]), and that a write timing out is tried again until
/// nothing has been written for `stall_timeout`; then the timeout error is returned.
fn write_counted(
    outbox: &Outbox,
    out: &mut impl Write,
    mut buf: &[u8],
    stall_timeout: Duration,
) -> io::Result<()> {
    let mut progress = Instant::now();
    while !buf.is_empty() {
        match out.write(buf) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                outbox.sent(n);
                buf = &buf[n..];
                progress = Instant::now();
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if is_stall(&e) && progress.elapsed() < stall_timeout => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// True when a write failed because its send timeout passed without the kernel taking a byte
/// (`WouldBlock` on Unix, `TimedOut` on Windows); from [`run_writer`]: the client has
/// stopped reading.
pub fn is_stall(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::encode;
    use std::sync::{Arc, mpsc};
    use std::thread;
    use std::time::Duration;

    /// A writer that sends each write to a channel, or fails, or blocks until told to go on.
    struct Probe {
        writes: mpsc::Sender<Vec<u8>>,
        gate: Option<mpsc::Receiver<()>>,
        fail: Option<io::ErrorKind>,
    }

    impl Probe {
        fn new(writes: mpsc::Sender<Vec<u8>>) -> Self {
            Probe {
                writes,
                gate: None,
                fail: None,
            }
        }
    }

    impl Write for Probe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if let Some(kind) = self.fail {
                return Err(kind.into());
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
    fn frame_3_writer_sends_whole_lines_in_order_and_ends_on_close() {
        let outbox = Arc::new(Outbox::new(1 << 20));
        let (tx, rx) = mpsc::channel();
        let (go, gate) = mpsc::channel();
        let writer = {
            let outbox = Arc::clone(&outbox);
            let probe = Probe {
                gate: Some(gate),
                ..Probe::new(tx)
            };
            thread::spawn(move || run_writer(&outbox, probe, Duration::ZERO))
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
    fn slow_2_partial_writes_are_counted_off_the_queue_as_they_happen() {
        /// Takes 7 bytes a write and notes, at each write, whether the queue is congested;
        /// closes the outbox once it has `total` bytes, so the writer ends.
        struct Trickle {
            outbox: Arc<Outbox>,
            congested: Vec<bool>,
            written: Vec<u8>,
            total: usize,
        }
        impl Write for Trickle {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.congested.push(self.outbox.is_congested());
                let n = buf.len().min(7);
                self.written.extend_from_slice(&buf[..n]);
                if self.written.len() >= self.total {
                    self.outbox.close();
                }
                Ok(n)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let outbox = Arc::new(Outbox::new(40)); // high water 20
        let line = "x".repeat(29);
        outbox.push(encode(&line)).unwrap();
        let mut out = Trickle {
            outbox: Arc::clone(&outbox),
            congested: Vec::new(),
            written: Vec::new(),
            total: 30,
        };
        run_writer(&outbox, &mut out, Duration::ZERO).unwrap();
        // 30 bytes unsent, then 23 (both above 20), then 16, 9, 2.
        assert_eq!(out.congested, [true, true, false, false, false]);
        assert_eq!(out.written, format!("{line}\n").into_bytes());
    }

    #[test]
    fn clean_4_writer_ends_on_write_error_and_a_stall_is_told_apart() {
        for (kind, stall) in [
            (io::ErrorKind::BrokenPipe, false),
            (io::ErrorKind::WouldBlock, true),
        ] {
            let outbox = Outbox::new(1 << 20);
            outbox.push(encode("hola")).unwrap();
            let (tx, _rx) = mpsc::channel();
            let probe = Probe {
                fail: Some(kind),
                ..Probe::new(tx)
            };
            let err = run_writer(&outbox, probe, Duration::ZERO).unwrap_err();
            assert_eq!(is_stall(&err), stall, "{kind:?}");
            assert!(outbox.wait_finished(Duration::from_secs(1)));
            assert!(!outbox.is_congested());
        }
    }
}
