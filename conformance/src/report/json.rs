//! The JSON report: exactly one object, for scripts and graders.
//!
//! ```text
//! {"target": str, "profile": str, "level": "core"|"strict", "seed": int, "duration_ms": int,
//!  "summary": {"passed": int, "failed": int, "skipped": int,
//!              "intermittent": int (when > 0), "in_setup": int (when > 0)},
//!  "score": {"points": num, "max": num},
//!  "tests": [{"id": str, "group": str, "level": "core"|"strict", "requirement": str,
//!             "title": str, "status": "pass"|"fail"|"skip", "detail": str,
//!             "duration_ms": int, "points": num, "max_points": num,
//!             "expected": str|null, "actual": str|null,
//!             "phase": "test"|"setup"|"target"|null,
//!             "setup": {"step": str, "requirement": str}|null,
//!             "attempts": {"failed": int, "of": int}|null,
//!             "transcript": [{"at_ms": int, "user": str,
//!                             "direction": "sent"|"received"|"event", "text": str}]}]}
//! ```
//!
//! The keys `target`, `profile`, `level`, `seed`, `summary` and, per test, `id`, `level`,
//! `requirement`, `status`, `detail`, `duration_ms` are the stable interface; the others are
//! extras that may grow but are never renamed.

use serde::Serialize;

use super::{detail, millis};
use crate::grading::{Scores, TestScore};
use crate::model::{
    Attempts, Failed, Level, Mark, Phase, RunReport, Summary, TestResult, TranscriptLine,
};

#[derive(Serialize)]
struct JsonReport<'a> {
    target: &'a str,
    profile: &'a str,
    level: Level,
    seed: u64,
    duration_ms: u64,
    summary: Summary,
    score: JsonScore,
    tests: Vec<JsonTest<'a>>,
}

/// The points of the run (`[grading]`; one per test by default).
#[derive(Serialize)]
struct JsonScore {
    points: f64,
    max: f64,
}

#[derive(Serialize)]
struct JsonTest<'a> {
    id: &'a str,
    group: &'a str,
    level: Level,
    requirement: &'a str,
    title: &'a str,
    status: Mark,
    detail: String,
    duration_ms: u64,
    points: f64,
    max_points: f64,
    expected: Option<&'a str>,
    actual: Option<String>,
    phase: Option<&'static str>,
    setup: Option<JsonSetup<'a>>,
    attempts: Option<Attempts>,
    transcript: &'a [TranscriptLine],
}

/// The setup step a failure happened in.
#[derive(Serialize)]
struct JsonSetup<'a> {
    step: &'a str,
    requirement: &'a str,
}

impl<'a> JsonTest<'a> {
    fn new(result: &'a TestResult, score: &TestScore, wording: &[(&str, String)]) -> Self {
        let failed = result.status.failure();
        JsonTest {
            id: &result.id,
            group: result.group(),
            level: result.level,
            requirement: &result.requirement,
            title: &result.title,
            status: result.status.mark(),
            detail: detail(result, wording),
            duration_ms: millis(result.duration),
            points: score.points(),
            max_points: score.max(),
            expected: failed.map(|f| f.expected.as_str()),
            actual: failed.map(Failed::actual_with_notes),
            phase: failed.map(|f| match f.phase {
                Phase::Test => "test",
                Phase::Setup { .. } => "setup",
                Phase::Target { .. } => "target",
            }),
            setup: failed.and_then(|f| match &f.phase {
                Phase::Setup { step, requirement } => Some(JsonSetup { step, requirement }),
                Phase::Test | Phase::Target { .. } => None,
            }),
            attempts: failed.map(|f| f.attempts),
            transcript: failed.map_or(&[], |f| &f.transcript),
        }
    }
}

/// Renders the JSON report, pretty-printed, ending with a newline.
pub(super) fn render(report: &RunReport, scores: &Scores) -> anyhow::Result<String> {
    let json = JsonReport {
        target: &report.target,
        profile: &report.profile,
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
    };
    let mut out = serde_json::to_string_pretty(&json)?;
    out.push('\n');
    Ok(out)
}
