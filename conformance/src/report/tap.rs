//! TAP version 14 (the Test Anything Protocol): the version line, the plan once, one test
//! point per test in run order, and a YAML diagnostic block under each `not ok`:
//!
//! ```text
//! TAP version 14
//! 1..3
//! ok 1 - join.single JOIN-2: a join is announced to the user already present
//! not ok 2 - leave.quit LEAVE-1: a user who quits is announced once to everyone else
//!   ---
//!   requirement: "LEAVE-1"
//!   outcome: "failed"
//!   message: "LEAVE-1 (MUST): When a user leaves, …"
//!   expected: "carla receives beto's leave line exactly once"
//!   actual: "carla received it 2 times"
//!   …
//!   ...
//! ok 3 - slow.consumer SLOW-1: … # SKIP skipped by the profile: not this term
//! # 3 tests, 1 passed, 1 failed, 1 skipped
//! # score: 2 / 2 points
//! ```
//!
//! YAML values are written as double-quoted scalars (JSON strings, which YAML reads as they
//! are), so no text from the server can break the block. In descriptions and directives `#`
//! and `\` are escaped, as TAP 14 asks.

use std::fmt::Write as _;

use super::{detail, one_line, outcome, transcript_lines};
use crate::grading::{Scores, TestScore};
use crate::model::{Mark, Phase, RunReport, TestResult};

/// How many transcript lines a failure's block carries before eliding the middle.
const TRANSCRIPT_CAP: usize = 60;

/// Renders the TAP stream, ending with a newline.
pub(super) fn render(report: &RunReport, scores: &Scores) -> String {
    let mut out = format!("TAP version 14\n1..{}\n", report.results.len());
    for (i, (result, score)) in report.results.iter().zip(&scores.tests).enumerate() {
        let n = i + 1;
        let description = escape(&format!(
            "{} {}: {}",
            result.id, result.requirement, result.title
        ));
        match result.status.mark() {
            Mark::Pass => {
                let _ = writeln!(out, "ok {n} - {description}");
            }
            Mark::Skip => {
                let reason = escape(&detail(result, &report.wording));
                let _ = writeln!(out, "ok {n} - {description} # SKIP {reason}");
            }
            Mark::Fail => {
                let _ = writeln!(out, "not ok {n} - {description}");
                diagnostics(&mut out, result, score, report);
            }
        }
    }
    let s = report.summary();
    let _ = writeln!(
        out,
        "# {} tests, {} passed, {} failed, {} skipped",
        report.results.len(),
        s.passed,
        s.failed,
        s.skipped
    );
    let _ = writeln!(out, "# score: {}", scores.summary());
    out
}

/// The YAML block of a failure.
fn diagnostics(out: &mut String, result: &TestResult, score: &TestScore, report: &RunReport) {
    let Some(failed) = result.status.failure() else {
        return;
    };
    let field = |out: &mut String, key: &str, value: &str| {
        let _ = writeln!(out, "  {key}: {}", quoted(value));
    };
    out.push_str("  ---\n");
    field(out, "requirement", &result.requirement);
    field(out, "outcome", outcome(result));
    let message = detail(result, &report.wording);
    field(out, "message", message.lines().next().unwrap_or_default());
    field(out, "expected", &failed.expected);
    field(out, "actual", &failed.actual_with_notes());
    if let Phase::Setup { step, requirement } = &failed.phase {
        field(out, "setup_step", step);
        field(out, "setup_requirement", requirement);
    }
    let attempts = failed.attempts;
    let _ = writeln!(
        out,
        "  attempts: {{failed: {}, of: {}}}",
        attempts.failed, attempts.of
    );
    let _ = writeln!(out, "  points: {}", score.points());
    let _ = writeln!(out, "  max_points: {}", score.max());
    let _ = writeln!(out, "  seed: {}", report.seed);
    if !failed.transcript.is_empty() {
        out.push_str("  transcript:\n");
        for line in transcript_lines(&failed.transcript, TRANSCRIPT_CAP) {
            let _ = writeln!(out, "    - {}", quoted(&line));
        }
    }
    out.push_str("  ...\n");
}

/// A YAML double-quoted scalar.
fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// Text for a description or a directive: one line, `\` and `#` escaped.
fn escape(text: &str) -> String {
    one_line(text).replace('\\', "\\\\").replace('#', "\\#")
}
