//! The timestamped log of what every simulated user of one test sent and received, and the
//! same story as protocol events for snapshots. Bounded: a flood is counted, not stored.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::model::{Direction, TranscriptLine};
use crate::sync::lock;
use crate::wire::{Owner, Roster, cut, shown_text};

/// Longest transcript kept for one test; later lines are counted, not stored.
const TRANSCRIPT_LIMIT: usize = 4000;
/// Longest text of one transcript line; the rest is summarised.
const LINE_LIMIT: usize = 300;

/// The lines kept, when each was recorded, and how many were not kept.
#[derive(Default)]
struct Lines {
    kept: Vec<(Instant, TranscriptLine)>,
    dropped: usize,
}

/// The timestamped log of what every simulated user sent and received.
#[derive(Clone)]
pub struct Transcript {
    started: Instant,
    inner: Arc<Mutex<Lines>>,
    /// The same story as protocol events per user (`ana: CHAT beto hola`), for snapshots.
    events: Arc<Mutex<Vec<(String, String)>>>,
    /// Set when the test is over: what its users' teardown causes is not part of the story.
    frozen: Arc<AtomicBool>,
}

impl Transcript {
    /// An empty transcript; its clock (`at_ms` of every line) starts now. Clones share it.
    pub fn new() -> Self {
        Transcript {
            started: Instant::now(),
            inner: Arc::default(),
            events: Arc::default(),
            frozen: Arc::default(),
        }
    }

    /// Records one line for `user` (the script name, `ana`). `text` should already show
    /// script names rather than wire names; it is cut to 300 characters and its control
    /// characters made visible. Ignored once frozen; once 4000 lines are kept, only counted.
    pub fn record(&self, user: &str, direction: Direction, text: &str) {
        if self.is_frozen() {
            return;
        }
        let mut inner = lock(&self.inner);
        if inner.kept.len() >= TRANSCRIPT_LIMIT {
            inner.dropped += 1;
            return;
        }
        let now = Instant::now();
        let text = shown_text(&cut(text, LINE_LIMIT)).into_owned();
        let line = TranscriptLine {
            at_ms: now.duration_since(self.started).as_millis() as u64,
            user: user.to_string(),
            direction,
            text,
        };
        inner.kept.push((now, line));
    }
    /// False once nothing more will be kept (frozen, or full): callers can skip the work of
    /// preparing a line.
    pub fn accepts(&self) -> bool {
        !self.is_frozen() && lock(&self.inner).kept.len() < TRANSCRIPT_LIMIT
    }

    /// Ends the transcript: later records are ignored.
    pub fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
    }

    fn is_frozen(&self) -> bool {
        self.frozen.load(Ordering::SeqCst)
    }

    /// Records a protocol event (received, or an action such as `SAY hola`) in the test's
    /// names; kept up to the same limit as the lines.
    pub fn event(&self, user: &str, event: String) {
        if self.is_frozen() {
            return;
        }
        let mut events = lock(&self.events);
        if events.len() < TRANSCRIPT_LIMIT {
            events.push((user.to_string(), event));
        }
    }

    /// Each user's events in order, users sorted by name: stable across runs and wordings.
    pub fn events_by_user(&self) -> Vec<(String, Vec<String>)> {
        let mut by_user: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (user, event) in lock(&self.events).iter() {
            by_user.entry(user.clone()).or_default().push(event.clone());
        }
        by_user.into_iter().collect()
    }

    /// The lines so far, plus a note of how many were not kept.
    pub fn lines(&self) -> Vec<TranscriptLine> {
        self.lines_until(Instant::now())
    }

    /// The lines recorded up to `end` (e.g. when a failure was raised).
    pub fn lines_until(&self, end: Instant) -> Vec<TranscriptLine> {
        let inner = lock(&self.inner);
        let mut lines: Vec<TranscriptLine> = inner
            .kept
            .iter()
            .take_while(|(at, _)| *at <= end)
            .map(|(_, line)| line.clone())
            .collect();
        if inner.dropped > 0 {
            lines.push(TranscriptLine {
                at_ms: self.started.elapsed().as_millis() as u64,
                user: "-".into(),
                direction: Direction::Event,
                text: format!("… {} more lines not kept", inner.dropped),
            });
        }
        lines
    }
}

/// A received `message` as a transcript shows it: in the test's names, and marked
/// [`UNATTRIBUTED`] when it is about a name no simulated user has (`None salió`): it came
/// from the server, but no test user's action produced it.
pub fn received_line(roster: &Roster, message: &str, owner: Owner) -> String {
    let shown = roster.normalise(message);
    match owner {
        Owner::Nobody => format!("{UNATTRIBUTED}{shown}"),
        Owner::ThisTest | Owner::AnotherTest => shown,
    }
}

/// The mark of unattributed lines (see [`received_line`]).
pub const UNATTRIBUTED: &str = "unattributed (from no test user): ";

impl Default for Transcript {
    fn default() -> Self {
        Self::new()
    }
}
