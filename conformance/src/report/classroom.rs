//! The result object GitHub Classroom's grading reporter
//! (`classroom-resources/autograding-grading-reporter`) reads from each runner step, version 1:
//!
//! ```text
//! {"version": 1, "status": "pass"|"fail"|"error", "max_score": num,
//!  "tests": [{"name": str, "status": "pass"|"fail"|"error", "score": num, "message": str,
//!             "test_code": str, "duration": int (ms)}]}
//! ```
//!
//! The reporter adds up the tests' `score`s against `max_score`: that is how a course gets
//! partial credit. It takes the object base64-encoded from the step output `result` (the
//! one-liner in `examples/classroom/`). A test out of the total is not listed; a failure in
//! setup, or a target that is not a chat server, is an `error`; `status` is `error` when some
//! test is, else `fail` when some test failed, else `pass`.

use serde::Serialize;

use super::{graded_name, graded_story, millis};
use crate::grading::Scores;
use crate::model::{Mark, Phase, RunReport, TestResult};

/// How many transcript lines a failure's message carries before eliding the middle.
const TRANSCRIPT_CAP: usize = 60;

#[derive(Serialize)]
struct Result {
    version: u32,
    status: &'static str,
    max_score: f64,
    tests: Vec<Test>,
}

#[derive(Serialize)]
struct Test {
    name: String,
    status: &'static str,
    score: f64,
    message: String,
    test_code: String,
    duration: u64,
}

/// `pass`, `fail` or `error` for one test.
fn status(result: &TestResult) -> &'static str {
    match (
        result.status.mark(),
        result.status.failure().map(|f| &f.phase),
    ) {
        (Mark::Pass, _) => "pass",
        (_, Some(Phase::Setup { .. } | Phase::Target { .. })) => "error",
        _ => "fail",
    }
}

/// Renders the result object, on one line, ending with a newline.
pub(super) fn render(report: &RunReport, scores: &Scores) -> anyhow::Result<String> {
    let tests: Vec<Test> = report
        .results
        .iter()
        .zip(&scores.tests)
        .filter(|(_, score)| score.counted)
        .map(|(result, score)| Test {
            name: graded_name(result),
            status: status(result),
            score: score.points(),
            message: graded_story(result, report, TRANSCRIPT_CAP),
            test_code: format!("conformance --filter {} --seed {}", result.id, report.seed),
            duration: millis(result.duration),
        })
        .collect();
    let status = if tests.iter().any(|t| t.status == "error") {
        "error"
    } else if tests.iter().any(|t| t.status == "fail") {
        "fail"
    } else {
        "pass"
    };
    let result = Result {
        version: 1,
        status,
        max_score: scores.max(),
        tests,
    };
    let mut out = serde_json::to_string(&result)?;
    out.push('\n');
    Ok(out)
}
