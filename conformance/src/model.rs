//! The results of a run, independent of how they are reported: what each test was, what
//! happened (a [`Status`] that carries its own evidence), and what every simulated user sent
//! and received while it ran.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How demanding a test is. `strict` runs include every `core` test.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The MUST requirements every chat server of the assignment has to meet.
    Core,
    /// Core plus robustness: bad input, limits, slow readers, scale.
    Strict,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, not `write_str`: `--list` aligns the level in a column.
        f.pad(match self {
            Level::Core => "core",
            Level::Strict => "strict",
        })
    }
}

/// The mark of a test's verdict, as reports and counts show it: pass, fail or skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    /// The test passed (notes or not).
    Pass,
    /// The test failed, on every attempt or intermittently, in the test or in its setup.
    Fail,
    /// The test was not run, or did not apply; whatever the cause.
    Skip,
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mark::Pass => "pass",
            Mark::Fail => "fail",
            Mark::Skip => "skip",
        })
    }
}

/// What happened to one test, each state with its own evidence. Renderers compose it; none
/// stores a failure twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Every expectation held. A note says what was accepted at this level but would not be
    /// at a stricter one ("accepted at core, but strict would not").
    Pass {
        /// One sentence per leniency; usually empty.
        notes: Vec<String>,
    },
    /// The test was not run, or did not apply.
    Skip {
        /// One sentence shown in every report, e.g. `skipped by the profile: …` or `not
        /// run: the server exited during join.single`.
        reason: String,
        /// Who decided to skip it, so counts and renderers can tell the causes apart.
        cause: SkipCause,
    },
    /// An expectation did not hold, on every attempt.
    Fail(Box<Failed>),
    /// An expectation did not hold on some attempts and held on others: a race in the
    /// server. Counts as a failure.
    Intermittent(Box<Failed>),
}

/// Why a test was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SkipCause {
    /// A `skip` rule of the profile.
    Profile,
    /// The test does not apply to this server's profile (no quit word, chunk framing…).
    Inapplicable,
    /// The level of the run leaves it out.
    Level,
    /// The runner did not run it (the server had exited or stopped answering).
    NotRun,
}

/// The evidence of a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    /// Whether the test itself failed, or the steps that set it up.
    pub phase: Phase,
    /// Every acceptable outcome.
    pub expected: String,
    /// What happened instead.
    pub actual: String,
    /// What the runner noticed beside the failure (the server exited, spun, stopped
    /// answering), one line each.
    pub notes: Vec<String>,
    /// What each simulated user sent and received, up to the failure.
    pub transcript: Vec<TranscriptLine>,
    /// How many of the attempts failed, of how many (`--repeat`); 1 of 1 without it.
    pub attempts: Attempts,
}

/// Where in a test its failure happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// In what the test checks.
    Test,
    /// While setting the test up: `step` says what could not be done, `requirement` which
    /// PROTOCOL.md requirement that step needed (not the one the test is about).
    Setup {
        /// What could not be done, e.g. `restarting the server for this test (--isolate)`.
        step: String,
        /// The PROTOCOL.md id that step relies on, e.g. `JOIN-2`.
        requirement: String,
    },
    /// Before anything could be checked: the target is not what the profile describes (an
    /// HTTP server on that port), so no requirement applies.
    Target {
        /// The one verdict, e.g. `This does not look like a chat server with this profile:
        /// …`.
        verdict: String,
    },
}

/// Failed attempts out of all attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempts {
    /// Attempts that failed; at least 1 in a failure, at most `of`.
    pub failed: u32,
    /// Attempts made in all; at least 1.
    pub of: u32,
}

impl Attempts {
    /// One attempt, failed.
    pub const ONCE: Attempts = Attempts { failed: 1, of: 1 };
}

impl Failed {
    /// A failure of the test itself, with its expected and actual outcomes.
    pub fn new(expected: impl Into<String>, actual: impl Into<String>) -> Self {
        Failed {
            phase: Phase::Test,
            expected: expected.into(),
            actual: actual.into(),
            notes: Vec::new(),
            transcript: Vec::new(),
            attempts: Attempts::ONCE,
        }
    }

    /// Whether the failure happened while the test was being set up.
    pub fn in_setup(&self) -> bool {
        matches!(self.phase, Phase::Setup { .. })
    }

    /// What happened, with the runner's notes after it, one per line.
    pub fn actual_with_notes(&self) -> String {
        let mut actual = self.actual.clone();
        for note in &self.notes {
            actual.push('\n');
            actual.push_str(note);
        }
        actual
    }
}

impl Status {
    /// A plain pass.
    pub fn pass() -> Status {
        Status::Pass { notes: Vec::new() }
    }

    /// The mark reports show and counts use: an intermittent failure is a failure.
    pub fn mark(&self) -> Mark {
        match self {
            Status::Pass { .. } => Mark::Pass,
            Status::Skip { .. } => Mark::Skip,
            Status::Fail(_) | Status::Intermittent(_) => Mark::Fail,
        }
    }

    /// The evidence, for a failure.
    pub fn failure(&self) -> Option<&Failed> {
        match self {
            Status::Fail(f) | Status::Intermittent(f) => Some(f),
            _ => None,
        }
    }
}

/// Which way a transcript line went, seen from the simulated user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptLine {
    /// Milliseconds since the test started.
    pub at_ms: u64,
    /// The simulated user's name as the test knows it (e.g. `ana`), not the wire name.
    pub user: String,
    /// Sent, received, or something that happened to the connection.
    pub direction: Direction,
    /// The text, with control characters made visible (`\x1b`), never raw.
    pub text: String,
}

/// The outcome of one test.
#[derive(Debug, Clone)]
pub struct TestResult {
    /// Stable id, `group.name`.
    pub id: String,
    /// The level the test belongs to (core or strict), not the level of the run.
    pub level: Level,
    /// The PROTOCOL.md requirement id the test checks, e.g. `CHAT-1`.
    pub requirement: String,
    /// The test's one-line statement of what must hold, e.g. `a join is announced to the
    /// user already present`.
    pub title: String,
    /// What happened, with its evidence.
    pub status: Status,
    /// Wall-clock time the test took, at most about its budget; zero for a test that was not
    /// run (skipped by the profile, or after the server stopped).
    pub duration: Duration,
}

impl TestResult {
    /// The group of the test: see [`group_of`].
    pub fn group(&self) -> &str {
        group_of(&self.id)
    }
}

/// The group of a test id: the part before the first dot (`join` for `join.single`), or the
/// whole id when it has no dot.
pub fn group_of(id: &str) -> &str {
    id.split_once('.').map_or(id, |(group, _)| group)
}

/// A whole run.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// `host:port` tested, or the command that was spawned.
    pub target: String,
    /// Profile name (`reference`) or file path.
    pub profile: String,
    /// The level the run was asked for (`--level`); strict runs include the core tests.
    pub level: Level,
    /// Seed of the randomised scenarios; `--seed` reproduces the run.
    pub seed: u64,
    /// One result per selected test, in the order they ran.
    pub results: Vec<TestResult>,
    /// Wall-clock time of the whole run, from the first test's start to the last one's end
    /// (the first server start and the final stop excluded; `--isolate` restarts included).
    pub duration: Duration,
    /// The profile's wording, so requirement lines are quoted the way the server speaks
    /// (see [`requirements::line_in`](crate::requirements::line_in)); empty for the
    /// reference wording.
    pub wording: Vec<(&'static str, String)>,
}

/// Counts of each verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Tests that passed, with or without notes.
    pub passed: usize,
    /// Every failure, intermittent ones included.
    pub failed: usize,
    /// Tests skipped, whatever the cause (profile, inapplicable, level, not run).
    pub skipped: usize,
    /// The failures that passed on some attempts (`--repeat`); also counted in `failed`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub intermittent: usize,
    /// The failures that happened while setting a test up (users joining, a restart); also
    /// counted in `failed`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub in_setup: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Summary {
    /// What kinds of failure there were, for a summary line: ` (2 in setup, 1 intermittent)`,
    /// or nothing.
    pub fn failure_kinds(&self) -> String {
        let mut kinds = Vec::new();
        if self.in_setup > 0 {
            kinds.push(format!("{} in setup", self.in_setup));
        }
        if self.intermittent > 0 {
            kinds.push(format!("{} intermittent", self.intermittent));
        }
        if kinds.is_empty() {
            String::new()
        } else {
            format!(" ({})", kinds.join(", "))
        }
    }
}

impl RunReport {
    /// Counts the verdicts.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for r in &self.results {
            match r.status.mark() {
                Mark::Pass => s.passed += 1,
                Mark::Fail => s.failed += 1,
                Mark::Skip => s.skipped += 1,
            }
            if matches!(r.status, Status::Intermittent(_)) {
                s.intermittent += 1;
            }
            if r.status.failure().is_some_and(Failed::in_setup) {
                s.in_setup += 1;
            }
        }
        s
    }

    /// True when no selected test failed.
    pub fn all_passed(&self) -> bool {
        self.summary().failed == 0
    }
}
