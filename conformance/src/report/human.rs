//! The human report, in the manner of h2spec: a header, the tests grouped by group with one
//! line each, every failure explained in place (the requirement, `Expected:`, `Actual:`, the
//! transcript, the seed), the tests the runner did not run counted in one line per reason,
//! and a closing summary line.
//!
//! It reads the same without colour: every verdict is a mark and a word (`✔ PASS`, `✘ FAIL`,
//! `○ SKIP`). Text that came from the server is shown with control characters escaped, so a
//! server cannot rewrite the terminal of whoever reads the report.

use std::fmt::Write as _;
use std::time::Duration;

use super::{Style, detail, groups, millis, transcript_lines};
use crate::model::{Mark, RunReport, SkipCause, Status, TestResult};

/// How many transcript lines a failure shows before eliding the middle.
const TRANSCRIPT_CAP: usize = 40;

/// Indentation of a failure's or skip's block, under its test line.
const BLOCK: &str = "      ";

/// ANSI decoration, or none.
#[derive(Clone, Copy)]
struct Paint {
    color: bool,
}

impl Paint {
    fn wrap(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn bold(self, text: &str) -> String {
        self.wrap("1", text)
    }
    fn dim(self, text: &str) -> String {
        self.wrap("2", text)
    }
    fn green(self, text: &str) -> String {
        self.wrap("32", text)
    }
    fn red(self, text: &str) -> String {
        self.wrap("31", text)
    }
    fn yellow(self, text: &str) -> String {
        self.wrap("33", text)
    }
    fn verdict(self, mark: Mark) -> String {
        match mark {
            Mark::Pass => self.green("✔ PASS"),
            Mark::Fail => self.red("✘ FAIL"),
            Mark::Skip => self.yellow("○ SKIP"),
        }
    }
}

/// Renders the human report.
pub(super) fn render(report: &RunReport, style: Style) -> String {
    let paint = Paint { color: style.color };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} · profile {} · level {} · seed {}",
        paint.bold("target"),
        visible(&report.target),
        visible(&report.profile),
        report.level,
        report.seed
    );

    let id_width = width(report, |r| &r.id);
    let req_width = width(report, |r| &r.requirement);
    for (group, results) in groups(report) {
        // Tests the runner did not run are counted once at the end, not listed one by one.
        let results: Vec<&TestResult> = results.into_iter().filter(|r| !not_run(r)).collect();
        if results.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", paint.bold(&visible(group)));
        for result in results {
            let _ = writeln!(
                out,
                "  {}  {}  {}  {} {}",
                paint.verdict(result.status.mark()),
                pad(&visible(&result.id), id_width),
                pad(&visible(&result.requirement), req_width),
                visible(&result.title),
                paint.dim(&format!("({})", duration(result.duration)))
            );
            match result.status.mark() {
                Mark::Pass => {
                    let notes = detail(result, &report.wording);
                    if !notes.is_empty() {
                        block(&mut out, BLOCK, &format!("note: {}", visible(&notes)));
                    }
                }
                Mark::Fail => failure(&mut out, result, report, paint),
                Mark::Skip => {
                    let reason = detail(result, &report.wording);
                    let reason = reason.trim();
                    let reason = if reason.is_empty() {
                        "no reason given"
                    } else {
                        reason
                    };
                    block(&mut out, BLOCK, &format!("skipped: {}", visible(reason)));
                }
            }
        }
    }

    not_run_lines(&mut out, report, paint);

    let s = report.summary();
    let count = |n: usize, word: &str, colour: fn(Paint, &str) -> String| {
        let text = format!("{n} {word}");
        if n > 0 { colour(paint, &text) } else { text }
    };
    let kinds = s.failure_kinds();
    let _ = writeln!(
        out,
        "\n{} tests, {}, {}{kinds}, {}",
        report.results.len(),
        count(s.passed, "passed", Paint::green),
        count(s.failed, "failed", Paint::red),
        count(s.skipped, "skipped", Paint::yellow)
    );
    out
}

/// Whether the runner left `result` out (the server had exited, stopped answering, or is
/// not a chat server).
fn not_run(result: &TestResult) -> bool {
    matches!(
        result.status,
        Status::Skip {
            cause: SkipCause::NotRun,
            ..
        }
    )
}

/// One line per reason the runner left tests out: `○ 32 tests not run: the server exited
/// during join.single`.
fn not_run_lines(out: &mut String, report: &RunReport, paint: Paint) {
    let mut reasons: Vec<(String, usize)> = Vec::new();
    for result in report.results.iter().filter(|r| not_run(r)) {
        let reason = detail(result, &report.wording);
        let reason = reason
            .strip_prefix("not run: ")
            .unwrap_or(&reason)
            .to_owned();
        match reasons.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => reasons.push((reason, 1)),
        }
    }
    if !reasons.is_empty() {
        out.push('\n');
    }
    for (reason, n) in reasons {
        let tests = if n == 1 { "test" } else { "tests" };
        let _ = writeln!(
            out,
            "  {}  {n} {tests} not run: {}",
            paint.verdict(Mark::Skip),
            visible(&reason)
        );
    }
}

/// The block under a failed test.
fn failure(out: &mut String, result: &TestResult, report: &RunReport, paint: Paint) {
    let inner = format!("{BLOCK}  ");
    block(out, BLOCK, &visible(&detail(result, &report.wording)));
    let transcript = result.status.failure().map_or(&[][..], |f| &f.transcript);
    if !transcript.is_empty() {
        let _ = writeln!(out, "{BLOCK}{}", paint.bold("Transcript:"));
        for line in transcript_lines(transcript, TRANSCRIPT_CAP) {
            let _ = writeln!(out, "{inner}{}", visible(&line));
        }
    }
    let _ = writeln!(
        out,
        "{BLOCK}{}",
        paint.dim(&format!("reproduce with --seed {}", report.seed))
    );
}

/// Writes every line of `text` with `indent` in front (blank lines stay blank).
fn block(out: &mut String, indent: &str, text: &str) {
    for line in text.lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{indent}{line}");
        }
    }
}

/// The widest value of a column, in characters.
fn width(report: &RunReport, column: fn(&TestResult) -> &String) -> usize {
    report
        .results
        .iter()
        .map(|r| visible(column(r)).chars().count())
        .max()
        .unwrap_or(0)
}

/// `text` padded with spaces to `width` characters.
fn pad(text: &str, width: usize) -> String {
    format!("{text:<width$}")
}

/// `12ms` below a second, `1.25s` above.
fn duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", millis(d))
    } else {
        format!("{:.2}s", d.as_secs_f64())
    }
}

/// `text` with every control character except newline and tab escaped (`\x1b`, `\u{9b}`).
fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(visible("a\x1b[2Jb\u{9b}c\td\n"), "a\\x1b[2Jb\\u{9b}c\td\n");
        assert_eq!(visible("\r\x07\x7f"), "\\x0d\\x07\\x7f");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(Duration::from_micros(12_400)), "12ms");
        assert_eq!(duration(Duration::from_millis(1250)), "1.25s");
    }
}
