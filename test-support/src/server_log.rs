//! A server's log as a test sees it: its stderr, read line by line in a thread of its own as
//! the server writes it, so that a test can wait for a line (bounded) and count lines.
//!
//! The pipe is always drained, so a server never blocks on its log. With
//! `REFERENCE_SERVER_TEST_LOG` set, every line is also copied to the test's stderr.

use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// Most lines kept; later ones are still read (and copied), not kept.
const MAX_LINES: usize = 100_000;

/// The lines a server has written to its stderr so far.
#[derive(Debug, Clone, Default)]
pub struct ServerLog {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    lines: Mutex<Vec<String>>,
    grew: Condvar,
}

impl ServerLog {
    /// Starts reading `stderr` in a thread of its own, until its end.
    pub fn read_from(stderr: impl Read + Send + 'static) -> ServerLog {
        let log = ServerLog::default();
        let shared = Arc::clone(&log.shared);
        let echo = std::env::var_os("REFERENCE_SERVER_TEST_LOG").is_some();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                if echo {
                    eprintln!("{line}");
                }
                let mut lines = shared.lock();
                if lines.len() < MAX_LINES {
                    lines.push(line);
                }
                drop(lines);
                shared.grew.notify_all();
            }
        });
        log
    }

    /// Every line so far.
    pub fn lines(&self) -> Vec<String> {
        self.shared.lock().clone()
    }

    /// How many lines so far contain `needle`.
    pub fn count(&self, needle: &str) -> usize {
        self.shared
            .lock()
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }

    /// Waits, at most `timeout`, for a line that contains every one of `needles`, and returns
    /// it.
    ///
    /// # Panics
    ///
    /// When no such line came in time; the message quotes the whole log.
    pub fn wait_for(&self, needles: &[&str], timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let mut lines = self.shared.lock();
        loop {
            let found = lines
                .iter()
                .find(|line| needles.iter().all(|n| line.contains(n)));
            if let Some(line) = found {
                return line.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                panic!(
                    "no log line with {needles:?} within {timeout:?}; the log:\n{}",
                    lines.join("\n")
                );
            }
            lines = self
                .shared
                .grew
                .wait_timeout(lines, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Vec<String>> {
        self.lines.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_kept_counted_and_waited_for() {
        let log = ServerLog::read_from(&b"uno\nana joined (unframed)\nana left\n"[..]);
        let line = log.wait_for(&["ana", "left"], Duration::from_secs(10));
        assert_eq!(line, "ana left");
        assert_eq!(log.count("ana"), 2);
        assert_eq!(log.lines().len(), 3);
    }

    #[test]
    #[should_panic(expected = "no log line with [\"nunca\"]")]
    fn a_line_that_never_comes_fails_with_the_log() {
        let log = ServerLog::read_from(&b"uno\n"[..]);
        log.wait_for(&["nunca"], Duration::from_millis(50));
    }
}
