//! Gradescope's autograder `results.json` (its "Autograder Specifications", output format):
//!
//! ```text
//! {"score": num, "execution_time": int (seconds), "output": str,
//!  "visibility": "hidden"|"after_due_date"|"after_published"|"visible",
//!  "tests": [{"name": str, "number": str, "score": num, "max_score": num,
//!             "status": "passed"|"failed", "output": str, "output_format": "text",
//!             "visibility": …, "tags": [str]}]}
//! ```
//!
//! Every test in the total is listed, with its points; a test out of the total (skipped by
//! the profile) is not, and the top-level `output` names it. A failure's `output` is its
//! whole story (`Expected:`, `Actual:`, the transcript, the seed); its kind (`failed`,
//! `failed in setup`, `intermittent`, `not run`) heads the output and is a tag.

use serde::Serialize;

use super::{graded_name, graded_story, numbers, outcome};
use crate::grading::{Scores, Visibility};
use crate::model::{Mark, RunReport};

/// How many transcript lines a failure carries before eliding the middle.
const TRANSCRIPT_CAP: usize = 60;

#[derive(Serialize)]
struct Results {
    score: f64,
    execution_time: u64,
    output: String,
    visibility: Visibility,
    tests: Vec<Test>,
}

#[derive(Serialize)]
struct Test {
    name: String,
    number: String,
    score: f64,
    max_score: f64,
    status: &'static str,
    output: String,
    output_format: &'static str,
    visibility: Visibility,
    tags: Vec<String>,
}

/// Renders `results.json`, pretty-printed, ending with a newline.
pub(super) fn render(report: &RunReport, scores: &Scores) -> anyhow::Result<String> {
    let numbers = numbers(report);
    let mut tests = Vec::new();
    let mut ungraded = Vec::new();
    for ((result, score), number) in report.results.iter().zip(&scores.tests).zip(numbers) {
        if !score.counted {
            ungraded.push(format!("{} ({})", result.id, super::detail(result, &[])));
            continue;
        }
        let kind = outcome(result);
        let mut tags = vec![
            result.group().to_owned(),
            result.requirement.clone(),
            result.level.to_string(),
        ];
        if !matches!(kind, "passed" | "failed") {
            tags.push(kind.to_owned());
        }
        tests.push(Test {
            name: graded_name(result),
            number,
            score: score.points(),
            max_score: score.max(),
            status: if result.status.mark() == Mark::Pass {
                "passed"
            } else {
                "failed"
            },
            output: graded_story(result, report, TRANSCRIPT_CAP),
            output_format: "text",
            visibility: score.visibility,
            tags,
        });
    }
    let s = report.summary();
    let mut output = format!(
        "{} tests, {} passed, {} failed, {} skipped · {}\ntarget {} · profile {} · level {} · \
         seed {}",
        report.results.len(),
        s.passed,
        s.failed,
        s.skipped,
        scores.summary(),
        report.target,
        report.profile,
        report.level,
        report.seed
    );
    if !ungraded.is_empty() {
        output.push_str("\nNot graded: ");
        output.push_str(&ungraded.join("; "));
    }
    let results = Results {
        score: scores.score(),
        execution_time: report.duration.as_secs_f64().ceil() as u64,
        output,
        visibility: scores.visibility,
        tests,
    };
    let mut out = serde_json::to_string_pretty(&results)?;
    out.push('\n');
    Ok(out)
}
