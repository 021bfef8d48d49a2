//! The results of a run, independent of how they are reported: what each test was, what
//! happened, and what every simulated user sent and received while it ran.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// How demanding a test is. `strict` runs include every `core` test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The MUST requirements every chat server of the assignment has to meet.
    Core,
    /// Core plus robustness: bad input, limits, slow readers, scale.
    Strict,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Core => "core",
            Level::Strict => "strict",
        })
    }
}

/// The verdict on one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Skip,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Skip => "skip",
        })
    }
}

/// Which way a transcript line went, seen from the simulated user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The user wrote this to the server.
    Sent,
    /// The user received this from the server.
    Received,
    /// Something that happened to the connection (connected, closed, reset, timed out).
    Event,
}

/// One line of a simulated user's transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TranscriptLine {
    /// Milliseconds since the test started.
    pub at_ms: u64,
    /// The simulated user's name as the test knows it (e.g. `ana`), not the wire name.
    pub user: String,
    pub direction: Direction,
    /// The text, with control characters made visible (`\x1b`), never raw.
    pub text: String,
}

/// The outcome of one test.
#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    /// Stable id, `group.name`.
    pub id: String,
    pub level: Level,
    /// The PROTOCOL.md requirement id the test checks, e.g. `CHAT-1`.
    pub requirement: String,
    pub title: String,
    pub status: Status,
    /// Empty on a pass; on a failure, the whole explanation (the requirement, `Expected:`,
    /// `Actual:`); on a skip, the reason.
    pub detail: String,
    /// On a failure: every acceptable outcome.
    #[serde(skip)]
    pub expected: Option<String>,
    /// On a failure: what happened instead.
    #[serde(skip)]
    pub actual: Option<String>,
    /// What each simulated user sent and received, in time order (kept for failures).
    pub transcript: Vec<TranscriptLine>,
    #[serde(skip)]
    pub duration: Duration,
}

/// A whole run.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// `host:port` tested, or the command that was spawned.
    pub target: String,
    /// Profile name (`reference`) or file path.
    pub profile: String,
    pub level: Level,
    /// Seed of the randomised scenarios; `--seed` reproduces the run.
    pub seed: u64,
    pub results: Vec<TestResult>,
    pub duration: Duration,
}

/// Counts of each verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl RunReport {
    /// Counts the verdicts.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for r in &self.results {
            match r.status {
                Status::Pass => s.passed += 1,
                Status::Fail => s.failed += 1,
                Status::Skip => s.skipped += 1,
            }
        }
        s
    }

    /// True when no selected test failed.
    pub fn all_passed(&self) -> bool {
        self.summary().failed == 0
    }
}
