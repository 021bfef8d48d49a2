//! Markdown for `$GITHUB_STEP_SUMMARY`: a heading with the counts and the points, every
//! failure first (the requirement, `Expected:` and `Actual:`, the transcript folded in
//! `<details>`), then one table row per test.
//!
//! GitHub takes at most 1 MiB of summary per step: the whole report stays under
//! [`LIMIT`]. The table of every test is always there; failures whose story would not fit
//! are counted in one line instead. Text that came from the server sits in code blocks whose
//! fence is longer than any run of backticks in it, and table cells are escaped, so no
//! server can rewrite the page.

use std::fmt::Write as _;

use super::{detail, one_line, outcome, transcript_lines};
use crate::grading::{Scores, TestScore, points_text};
use crate::model::{Mark, RunReport, TestResult};

/// The most bytes the report may have (GitHub's limit is 1 MiB).
pub const LIMIT: usize = 1_000_000;

/// How many transcript lines a failure shows before eliding the middle.
const TRANSCRIPT_CAP: usize = 80;

/// Renders the summary, ending with a newline.
pub(super) fn render(report: &RunReport, scores: &Scores) -> String {
    let s = report.summary();
    let mut head = format!(
        "## Conformance: {} of {} tests passed · {}\n\n",
        s.passed,
        report.results.len(),
        scores.summary()
    );
    let _ = writeln!(
        head,
        "target {} · profile {} · level {} · seed {}\n",
        code(&report.target),
        code(&report.profile),
        report.level,
        report.seed
    );
    let kinds = s.failure_kinds();
    let _ = writeln!(
        head,
        "**{} passed, {} failed{kinds}, {} skipped**\n",
        s.passed, s.failed, s.skipped
    );
    let table = table(report, scores);
    let failures: Vec<(&TestResult, &TestScore)> = report
        .results
        .iter()
        .zip(&scores.tests)
        .filter(|(r, _)| r.status.mark() == Mark::Fail)
        .collect();
    let mut body = String::new();
    if !failures.is_empty() {
        body.push_str("### Failures\n\n");
    }
    // Room for the cut-off line below.
    let room = LIMIT.saturating_sub(head.len() + table.len() + 200);
    let mut left_out = 0;
    for (result, score) in &failures {
        let section = failure(result, score, report);
        if left_out == 0 && body.len() + section.len() <= room {
            body.push_str(&section);
        } else {
            left_out += 1;
        }
    }
    if left_out > 0 {
        let _ = writeln!(
            body,
            "*{left_out} more failures left out to stay under GitHub's 1 MiB: see the JSON or \
             JUnit report.*\n"
        );
    }
    head + &body + &table
}

/// One failure's section.
fn failure(result: &TestResult, score: &TestScore, report: &RunReport) -> String {
    let mut out = format!(
        "#### ✘ {} {} — {}\n\n",
        code(&result.id),
        code(&result.requirement),
        cell(&result.title)
    );
    let _ = writeln!(
        out,
        "{} · {} of {} points\n",
        outcome(result),
        points_text(score.points_cents),
        points_text(score.max_cents)
    );
    out.push_str(&block(&detail(result, &report.wording)));
    if let Some(failed) = result.status.failure()
        && !failed.transcript.is_empty()
    {
        let lines = transcript_lines(&failed.transcript, TRANSCRIPT_CAP).join("\n");
        let _ = write!(
            out,
            "<details><summary>Transcript ({} lines)</summary>\n\n{}</details>\n\n",
            failed.transcript.len(),
            block(&lines)
        );
    }
    let _ = writeln!(
        out,
        "Reproduce with `--filter {} --seed {}`.\n",
        result.id, report.seed
    );
    out
}

/// The table of every test, failures first, then passes, then skips.
fn table(report: &RunReport, scores: &Scores) -> String {
    let mut out = String::from(
        "### Every test\n\n| result | test | requirement | title | points |\n|---|---|---|---|---|\n",
    );
    let mut rows: Vec<(&TestResult, &TestScore)> =
        report.results.iter().zip(&scores.tests).collect();
    rows.sort_by_key(|(r, _)| match r.status.mark() {
        Mark::Fail => 0,
        Mark::Pass => 1,
        Mark::Skip => 2,
    });
    for (result, score) in rows {
        let mark = match result.status.mark() {
            Mark::Pass => "✔",
            Mark::Fail => "✘",
            Mark::Skip => "○",
        };
        let points = if score.counted {
            format!(
                "{} / {}",
                points_text(score.points_cents),
                points_text(score.max_cents)
            )
        } else {
            "not graded".to_owned()
        };
        let mut title = cell(&result.title);
        if result.status.mark() == Mark::Skip {
            let _ = write!(title, " ({})", cell(&detail(result, &report.wording)));
        }
        let _ = writeln!(
            out,
            "| {mark} {} | {} | {} | {title} | {points} |",
            outcome(result),
            code(&result.id),
            result.requirement
        );
    }
    out
}

/// `text` as inline code, on one line, with a fence it cannot close.
fn code(text: &str) -> String {
    let text = one_line(text);
    let fence = "`".repeat(longest_backtick_run(&text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// `text` as a fenced code block, with a fence it cannot close.
fn block(text: &str) -> String {
    let fence = "`".repeat((longest_backtick_run(text) + 1).max(3));
    format!("{fence}text\n{}\n{fence}\n\n", text.trim_end())
}

/// `text` for a table cell: one line, `|` and HTML escaped.
fn cell(text: &str) -> String {
    one_line(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}
