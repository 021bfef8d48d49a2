//! What a test returns: it passes, it does not apply (skip, with the reason), or it fails
//! with the evidence (every acceptable outcome, and what happened instead).

use std::fmt;
use std::time::Instant;

/// A failed expectation: what would have been acceptable, and what happened.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Every acceptable outcome.
    pub expected: String,
    /// What happened instead.
    pub actual: String,
    /// When the failure was found: the transcript in the report stops here, so that what
    /// the test's teardown causes (connections closing) is not mistaken for the story.
    pub raised: Instant,
    /// Set when the failure happened while the test was being set up (users joining the
    /// room, say), not in what the test checks.
    pub setup: Option<Setup>,
}

/// The setup step a failure happened in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    /// What was being set up, e.g. `ana, beto and carla join the room`.
    pub step: String,
    /// The PROTOCOL.md requirement that step relies on, e.g. `JOIN-2`.
    pub requirement: &'static str,
}

impl Failure {
    /// A failure found now: `expected` lists every acceptable outcome, `actual` says what
    /// happened instead (both shown under `Expected:` and `Actual:`).
    pub fn new(expected: impl Into<String>, actual: impl Into<String>) -> Self {
        Failure {
            expected: expected.into(),
            actual: actual.into(),
            raised: Instant::now(),
            setup: None,
        }
    }

    /// The same failure, marked as happening in the setup `step`, which relies on
    /// `requirement`. A failure already marked keeps its innermost step.
    pub fn in_setup(mut self, step: impl Into<String>, requirement: &'static str) -> Self {
        self.setup.get_or_insert_with(|| Setup {
            step: step.into(),
            requirement,
        });
        self
    }

    /// The same failure, unmarked: the step that failed is what the test itself checks (a
    /// user who cannot join because a silent client blocks the accept loop is JOIN-6's
    /// failure, not a setup step's).
    pub fn in_test(mut self) -> Self {
        self.setup = None;
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expected: {}\nActual: {}", self.expected, self.actual)
    }
}

/// How a test ended when it did not pass.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// An expectation did not hold; the runner adds the transcript up to `raised`.
    Fail(Failure),
    /// The test does not apply to this server (e.g. no quit word in the profile).
    Skip(String),
}

impl From<Failure> for Verdict {
    fn from(f: Failure) -> Self {
        Verdict::Fail(f)
    }
}

/// What a test returns.
pub type Outcome = Result<(), Verdict>;
