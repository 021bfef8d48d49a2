//! What the accept loop does when `accept` fails: log, back off, and when the process is out
//! of file descriptors, still tell waiting clients that the server is full.
//!
//! The seed's `while True: accept()` dies on the first accept error, or spins on it. Here an
//! accept error is logged (the first one at once, then a count at most once a second) and the
//! loop pauses before it tries again, doubling the pause while accepts keep failing, up to
//! [`MAX_BACKOFF`].
//!
//! Running out of file descriptors (`EMFILE`, `ENFILE`) is the common error under a flood of
//! connections, and the worst one: the client waiting in the listen backlog would hang there,
//! not knowing why. So one descriptor is kept in reserve (an open `/dev/null`); when accept
//! fails for want of descriptors, the reserve is closed, the freed descriptor accepts the
//! waiting client just long enough to tell it `ERROR: servidor lleno (no quedan descriptores
//! de archivo)` and close it, and the reserve is taken back. Each round serves one waiting client,
//! so the backlog is drained without spinning.

use std::fs::File;
use std::io;
use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

use chat_protocol::reasons;

use crate::turn_away::turn_away;

/// The first pause after a failed accept; it doubles while accepts keep failing.
const MIN_BACKOFF: Duration = Duration::from_millis(5);
/// The longest pause between two accepts that fail.
pub const MAX_BACKOFF: Duration = Duration::from_millis(200);
/// At most one log line per this long while accepts keep failing.
const LOG_EVERY: Duration = Duration::from_secs(1);
/// `EMFILE` and `ENFILE` (Linux and the BSDs): out of file descriptors, for this process or
/// for the whole system.
const OUT_OF_FDS: [i32; 2] = [24, 23];

/// The accept loop's memory of its failures, and its reserve descriptor.
#[derive(Debug)]
pub struct AcceptErrors {
    reserve: Reserve,
    failures: AcceptFailures,
}

impl AcceptErrors {
    /// Opens the reserve descriptor. Create it together with the listener, so the server's
    /// descriptor count is steady from the moment it announces its address.
    pub fn new() -> AcceptErrors {
        AcceptErrors {
            reserve: Reserve::open(),
            failures: AcceptFailures::default(),
        }
    }

    /// An accept succeeded: logs the recovery if accepts had been failing, and takes the
    /// reserve descriptor back if it was spent.
    pub fn accepted(&mut self) {
        self.failures.recovered();
        self.reserve.refill();
    }

    /// An accept on `listener` failed with `e`: logs it, then either turns one waiting client
    /// away (out of descriptors, reserve available) or pauses for the back-off, so that the
    /// caller can simply accept again.
    pub fn failed(&mut self, listener: &TcpListener, e: &io::Error) {
        self.failures.failed(e);
        let out_of_fds = OUT_OF_FDS.contains(&e.raw_os_error().unwrap_or(0));
        if out_of_fds && self.shed_one(listener) {
            return; // a waiting client was told: see at once whether more wait
        }
        // Give the other threads a moment to free descriptors or memory instead of spinning
        // on the same error.
        thread::sleep(self.failures.backoff());
    }

    /// Out of file descriptors: spends the reserve one on the client waiting in the backlog,
    /// to tell it the server is full, then takes it back. True when a client was turned away.
    fn shed_one(&mut self, listener: &TcpListener) -> bool {
        if !self.reserve.release() {
            return false;
        }
        let shed = match listener.accept() {
            Ok((stream, _)) => {
                turn_away(stream, reasons::NO_FILE_DESCRIPTORS);
                true
            }
            Err(_) => false,
        };
        self.reserve.refill();
        shed
    }
}

impl Default for AcceptErrors {
    fn default() -> Self {
        AcceptErrors::new()
    }
}

/// One file descriptor held back for [`AcceptErrors::shed_one`].
#[derive(Debug)]
struct Reserve(Option<File>);

impl Reserve {
    fn open() -> Reserve {
        let mut reserve = Reserve(None);
        reserve.refill();
        reserve
    }

    /// Takes the descriptor back if it is free (it may not be, right after running out).
    fn refill(&mut self) {
        if self.0.is_none() {
            self.0 = File::open("/dev/null").ok();
        }
    }

    /// Frees the descriptor; false if there was none to free.
    fn release(&mut self) -> bool {
        self.0.take().is_some()
    }
}

/// Accept errors in a row: how many, the back-off, and when they were last logged.
#[derive(Debug, Default)]
struct AcceptFailures {
    in_a_row: u64,
    unlogged: u64,
    logged_at: Option<Instant>,
}

impl AcceptFailures {
    /// Logs the first failure of a run at once, then a count at most every [`LOG_EVERY`].
    fn failed(&mut self, e: &io::Error) {
        self.in_a_row += 1;
        self.unlogged += 1;
        if self.logged_at.is_none_or(|at| at.elapsed() >= LOG_EVERY) {
            let repeats = match self.unlogged {
                1 => String::new(),
                n => format!(" ({n} times since the last report)"),
            };
            crate::log!("reference-server: accept failed: {e}{repeats}");
            self.unlogged = 0;
            self.logged_at = Some(Instant::now());
        }
    }

    fn recovered(&mut self) {
        if self.in_a_row > 0 {
            crate::log!(
                "reference-server: accepting again after {} failed accepts",
                self.in_a_row
            );
            *self = AcceptFailures::default();
        }
    }

    /// The pause before the next accept: doubles with each failure in a row, up to
    /// [`MAX_BACKOFF`].
    fn backoff(&self) -> Duration {
        let doublings = self.in_a_row.saturating_sub(1).min(16) as u32;
        MIN_BACKOFF.saturating_mul(1 << doublings).min(MAX_BACKOFF)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_bound_and_resets() {
        let mut failures = AcceptFailures::default();
        let error = io::Error::from_raw_os_error(OUT_OF_FDS[0]);
        failures.failed(&error);
        assert_eq!(failures.backoff(), MIN_BACKOFF);
        failures.failed(&error);
        assert_eq!(failures.backoff(), MIN_BACKOFF * 2);
        for _ in 0..100 {
            failures.failed(&error);
        }
        assert_eq!(failures.backoff(), MAX_BACKOFF);
        failures.recovered();
        failures.failed(&error);
        assert_eq!(failures.backoff(), MIN_BACKOFF);
    }

    #[test]
    fn the_reserve_is_released_once_and_refilled() {
        let mut reserve = Reserve::open();
        assert!(reserve.release());
        assert!(!reserve.release(), "nothing left to release");
        reserve.refill();
        assert!(reserve.release());
    }
}
