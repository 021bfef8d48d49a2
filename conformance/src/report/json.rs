//! The JSON report: exactly one object, for scripts and graders.
//!
//! ```text
//! {"conformance_version": str, "target": str, "profile": str, "level": "core"|"strict", "seed": int, "duration_ms": int,
//!  "summary": {"passed": int, "failed": int, "skipped": int,
//!              "intermittent": int (when > 0), "in_setup": int (when > 0)},
//!  "score": {"points": num, "max": num},
//!  "tests": [{"id": str, "group": str, "level": "core"|"strict", "requirement": str,
//!             "title": str, "status": "pass"|"fail"|"skip", "outcome": str, "detail": str,
//!             "duration_ms": int, "points": num, "max_points": num,
//!             "expected": str|null, "actual": str|null,
//!             "phase": "test"|"setup"|"target"|null,
//!             "setup": {"step": str, "requirement": str}|null,
//!             "attempts": {"failed": int, "of": int}|null,
//!             "transcript": [{"at_ms": int, "user": str,
//!                             "direction": "sent"|"received"|"event", "text": str}]}],
//!  "submission": {"name": str, "problem": str|null}   (only from `conformance grade`)}
//! ```
//!
//! `outcome` is the word every report uses: `passed`, `failed`, `failed in setup`,
//! `intermittent`, `skipped` or `not run`. The same types read a report back
//! ([`JsonReport::read`]), so a class report is built from exactly what each run wrote.
//!
//! `conformance_version` is the version of the suite that wrote the report (its package
//! version, as `conformance --version` prints it), so a grade can be traced to the tests that
//! gave it. The keys `target`, `profile`, `level`, `seed`, `summary` and, per test, `id`, `level`,
//! `requirement`, `status`, `detail`, `duration_ms` are the stable interface; the others are
//! extras that may grow but are never renamed.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{detail, millis, outcome};
use crate::grading::{Scores, TestScore};
use crate::model::{
    Attempts, Failed, Level, Mark, Phase, RunReport, Summary, TestResult, TranscriptLine,
};

/// The suite's version, as `conformance --version` prints it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The JSON report: borrowed from a run when written, owned when read back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonReport<'a> {
    /// The version of the suite that wrote the report; empty in a report read back from a
    /// version that did not write it.
    #[serde(default)]
    pub conformance_version: Cow<'a, str>,
    /// The server as given: an address, or the command.
    pub target: Cow<'a, str>,
    /// The profile's name or path.
    pub profile: Cow<'a, str>,
    /// The level of the run.
    pub level: Level,
    /// The run's seed.
    pub seed: u64,
    /// Wall-clock time of the run.
    pub duration_ms: u64,
    /// Counts of each verdict.
    pub summary: Summary,
    /// The points of the run.
    pub score: JsonScore,
    /// Every test of the run, in run order.
    pub tests: Vec<JsonTest<'a>>,
    /// Which submission this is, when `conformance grade` wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission: Option<JsonSubmission>,
}

/// The points of the run (`[grading]`; one per test by default).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct JsonScore {
    /// Points earned.
    pub points: f64,
    /// Points that could be earned.
    pub max: f64,
}

/// One submission of a class: its name, and why its server could not be tested, if so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonSubmission {
    /// The submission's folder name.
    pub name: String,
    /// Why no test could run (the build failed, the server did not start, its profile was
    /// refused); `None` when the suite ran.
    pub problem: Option<String>,
}

/// One test of the JSON report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonTest<'a> {
    /// The test id, `group.name`.
    pub id: Cow<'a, str>,
    /// The test's group.
    pub group: Cow<'a, str>,
    /// The test's level.
    pub level: Level,
    /// The PROTOCOL.md requirement it checks.
    pub requirement: Cow<'a, str>,
    /// What must hold.
    pub title: Cow<'a, str>,
    /// Pass, fail or skip.
    pub status: Mark,
    /// `passed`, `failed`, `failed in setup`, `intermittent`, `skipped` or `not run`.
    #[serde(default)]
    pub outcome: Cow<'a, str>,
    /// Notes, the skip reason, or the failure's explanation.
    pub detail: String,
    /// How long it ran.
    pub duration_ms: u64,
    /// Points earned.
    pub points: f64,
    /// Points it could earn.
    pub max_points: f64,
    /// Every acceptable outcome, for a failure.
    pub expected: Option<Cow<'a, str>>,
    /// What happened instead, for a failure.
    pub actual: Option<String>,
    /// `test`, `setup` or `target`, for a failure.
    pub phase: Option<Cow<'a, str>>,
    /// The setup step a failure happened in.
    pub setup: Option<JsonSetup<'a>>,
    /// Failed attempts of all, for a failure.
    pub attempts: Option<Attempts>,
    /// What each user sent and received, for a failure.
    #[serde(default)]
    pub transcript: Cow<'a, [TranscriptLine]>,
}

/// The setup step a failure happened in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonSetup<'a> {
    /// What could not be done.
    pub step: Cow<'a, str>,
    /// The requirement that step needed.
    pub requirement: Cow<'a, str>,
}

impl<'a> JsonTest<'a> {
    fn new(result: &'a TestResult, score: &TestScore, wording: &[(&str, String)]) -> Self {
        let failed = result.status.failure();
        JsonTest {
            id: Cow::Borrowed(&result.id),
            group: Cow::Borrowed(result.group()),
            level: result.level,
            requirement: Cow::Borrowed(&result.requirement),
            title: Cow::Borrowed(&result.title),
            status: result.status.mark(),
            outcome: Cow::Borrowed(outcome(result)),
            detail: detail(result, wording),
            duration_ms: millis(result.duration),
            points: score.points(),
            max_points: score.max(),
            expected: failed.map(|f| Cow::Borrowed(f.expected.as_str())),
            actual: failed.map(Failed::actual_with_notes),
            phase: failed.map(|f| {
                Cow::Borrowed(match f.phase {
                    Phase::Test => "test",
                    Phase::Setup { .. } => "setup",
                    Phase::Target { .. } => "target",
                })
            }),
            setup: failed.and_then(|f| match &f.phase {
                Phase::Setup { step, requirement } => Some(JsonSetup {
                    step: Cow::Borrowed(step),
                    requirement: Cow::Borrowed(requirement),
                }),
                Phase::Test | Phase::Target { .. } => None,
            }),
            attempts: failed.map(|f| f.attempts),
            transcript: Cow::Borrowed(failed.map_or(&[], |f| &f.transcript)),
        }
    }
}

impl<'a> JsonReport<'a> {
    /// The report of `report`, scored by `scores`; `submission` says which submission it
    /// grades, if any.
    pub fn of(report: &'a RunReport, scores: &Scores, submission: Option<JsonSubmission>) -> Self {
        JsonReport {
            conformance_version: Cow::Borrowed(VERSION),
            target: Cow::Borrowed(&report.target),
            profile: Cow::Borrowed(&report.profile),
            level: report.level,
            seed: report.seed,
            duration_ms: millis(report.duration),
            summary: report.summary(),
            score: JsonScore {
                points: scores.score(),
                max: scores.max(),
            },
            tests: report
                .results
                .iter()
                .zip(&scores.tests)
                .map(|(r, score)| JsonTest::new(r, score, &report.wording))
                .collect(),
            submission,
        }
    }

    /// The report as text: pretty-printed, ending with a newline.
    ///
    /// # Errors
    ///
    /// Only if serialisation itself fails (it does not for well-formed reports).
    pub fn to_text(&self) -> serde_json::Result<String> {
        let mut out = serde_json::to_string_pretty(self)?;
        out.push('\n');
        Ok(out)
    }
}

impl JsonReport<'static> {
    /// Reads a report back from its text.
    ///
    /// # Errors
    ///
    /// The parser's message when the text is not a JSON report.
    pub fn read(text: &str) -> serde_json::Result<JsonReport<'static>> {
        serde_json::from_str(text)
    }
}

/// Renders the JSON report, pretty-printed, ending with a newline.
pub(super) fn render(report: &RunReport, scores: &Scores) -> anyhow::Result<String> {
    Ok(JsonReport::of(report, scores, None).to_text()?)
}
