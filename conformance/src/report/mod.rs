//! Reports of a run: for people ([`Format::Human`], like h2spec), for scripts
//! ([`Format::Json`]), for CI ([`Format::Junit`], [`Format::Tap`], [`Format::Markdown`])
//! and for graders ([`Format::Gradescope`], [`Format::Classroom`]).
//!
//! Every format is rendered to a `String` that ends with exactly one newline; print it with
//! `print!` (not `println!`). Colour is decided by the caller through [`Style`]: only the human
//! format uses it. Points come from one [`Scores`], computed once for all the formats of a
//! run, so that they agree.

mod classroom;
mod gradescope;
mod human;
mod json;
mod junit;
mod markdown;
mod tap;

pub use json::{JsonReport, JsonScore, JsonSetup, JsonSubmission, JsonTest};

use std::ffi::OsStr;
use std::fmt::Write as _;

use crate::grading::{Grading, Scores};
use crate::model::{
    Attempts, Direction, Failed, Phase, RunReport, SkipCause, Status, TestResult, TranscriptLine,
};
use crate::requirements;

/// The output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Grouped, one line per test, failures explained with their transcript.
    Human,
    /// One JSON object: `target`, `profile`, `level`, `seed`, `summary`, `tests`.
    Json,
    /// JUnit XML: one `<testsuite>` per group.
    Junit,
    /// TAP version 14: a plan, one test point per test, a YAML block for each failure.
    Tap,
    /// Markdown for `$GITHUB_STEP_SUMMARY`: failures first, transcripts folded.
    Markdown,
    /// Gradescope's autograder `results.json`, with points per test.
    Gradescope,
    /// The result object GitHub Classroom's grading reporter reads, with points per test.
    Classroom,
}

/// How the human report may decorate its text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    /// Use ANSI colours.
    pub color: bool,
}

impl Style {
    /// No decoration at all.
    pub const PLAIN: Style = Style { color: false };

    /// Colour only on a terminal, and never when `NO_COLOR` is set to a non-empty value
    /// (<https://no-color.org>). `is_terminal` is whether the report goes to a terminal, e.g.
    /// `std::io::stdout().is_terminal()`.
    pub fn detect(is_terminal: bool) -> Style {
        Style::decide(is_terminal, std::env::var_os("NO_COLOR").as_deref())
    }

    /// [`Style::detect`] with the environment passed in, for testing.
    fn decide(is_terminal: bool, no_color: Option<&OsStr>) -> Style {
        let no_color = no_color.is_some_and(|v| !v.is_empty());
        Style {
            color: is_terminal && !no_color,
        }
    }
}

/// Renders `report` in `format`, with the default grading (one point per test). The result
/// ends with a newline.
///
/// # Errors
///
/// Only if serialisation itself fails (it does not for well-formed reports).
pub fn render(report: &RunReport, format: Format, style: Style) -> anyhow::Result<String> {
    render_scored(
        report,
        &Scores::of(report, &Grading::default()),
        format,
        style,
    )
}

/// Renders `report` in `format`, with its `scores` (from [`Scores::of`] this report). The
/// result ends with a newline.
///
/// # Errors
///
/// Only if serialisation itself fails (it does not for well-formed reports).
pub fn render_scored(
    report: &RunReport,
    scores: &Scores,
    format: Format,
    style: Style,
) -> anyhow::Result<String> {
    match format {
        Format::Human => Ok(human::render(report, style)),
        Format::Json => json::render(report, scores),
        Format::Junit => junit::render(report),
        Format::Tap => Ok(tap::render(report, scores)),
        Format::Markdown => Ok(markdown::render(report, scores)),
        Format::Gradescope => gradescope::render(report, scores),
        Format::Classroom => classroom::render(report, scores),
    }
}

/// What became of a test, in the words every report uses: `passed`, `failed`, `failed in
/// setup`, `intermittent`, `skipped`, or `not run` (the server had exited or stopped
/// answering).
fn outcome(result: &TestResult) -> &'static str {
    match &result.status {
        Status::Pass { .. } => "passed",
        Status::Skip {
            cause: SkipCause::NotRun,
            ..
        } => "not run",
        Status::Skip { .. } => "skipped",
        Status::Intermittent(_) => "intermittent",
        Status::Fail(f) if f.in_setup() => "failed in setup",
        Status::Fail(_) => "failed",
    }
}

/// The whole story of a failure as plain text: the explanation, the transcript (at most
/// `cap` lines), the seed to reproduce it. For any other result, its [`detail`].
fn evidence(result: &TestResult, report: &RunReport, cap: usize) -> String {
    let mut text = detail(result, &report.wording);
    let Some(failed) = result.status.failure() else {
        return text;
    };
    if !failed.transcript.is_empty() {
        text.push_str("\nTranscript:");
        for line in transcript_lines(&failed.transcript, cap) {
            text.push_str("\n  ");
            text.push_str(&line);
        }
    }
    let _ = write!(text, "\nreproduce with --seed {}", report.seed);
    text
}

/// `text` on one line: every run of whitespace, newlines included, one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A test as graders list it: `leave.quit (LEAVE-1): a user who quits is announced once …`.
fn graded_name(result: &TestResult) -> String {
    format!("{} ({}): {}", result.id, result.requirement, result.title)
}

/// What a grader shows a student of one test: its [`outcome`], then its [`evidence`]
/// (transcripts of at most `cap` lines).
fn graded_story(result: &TestResult, report: &RunReport, cap: usize) -> String {
    let story = evidence(result, report, cap);
    if story.is_empty() {
        outcome(result).to_owned()
    } else {
        format!("{}: {story}", outcome(result))
    }
}

/// A test's number within its group, Gradescope style: `2.3` is the third test of the
/// second group, in run order; one per result of `report`, in order.
fn numbers(report: &RunReport) -> Vec<String> {
    let mut by_id = std::collections::HashMap::new();
    for (g, (_, members)) in groups(report).iter().enumerate() {
        for (t, member) in members.iter().enumerate() {
            by_id.insert(member.id.as_str(), format!("{}.{}", g + 1, t + 1));
        }
    }
    report
        .results
        .iter()
        .map(|r| by_id.get(r.id.as_str()).cloned().unwrap_or_default())
        .collect()
}

/// The results grouped by their [`group_of`](crate::model::group_of) id, groups in order of first appearance and
/// tests in run order within a group.
fn groups(report: &RunReport) -> Vec<(&str, Vec<&TestResult>)> {
    let mut groups: Vec<(&str, Vec<&TestResult>)> = Vec::new();
    for result in &report.results {
        let group = result.group();
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, results)) => results.push(result),
            None => groups.push((group, vec![result])),
        }
    }
    groups
}

/// What a report says of a test beside its mark: nothing for a plain pass, its notes for a
/// pass with notes, the reason for a skip, and for a failure the whole explanation (the
/// requirement line, the setup step that failed if any, `Expected:` and `Actual:` with the
/// runner's notes, and the failed attempts when there were several).
///
/// Requirement lines are quoted in `wording`, the server's own (the report's
/// [`RunReport::wording`]).
pub fn detail(result: &TestResult, wording: &[(&str, String)]) -> String {
    match &result.status {
        Status::Pass { notes } => notes.join("\n"),
        Status::Skip { reason, .. } => reason.clone(),
        Status::Fail(failed) | Status::Intermittent(failed) => {
            failure_explanation(&result.requirement, failed, wording)
        }
    }
}

/// The explanation of a failure, as plain text: the requirement line, the setup step that
/// failed (if it was the setup), `Expected:` and `Actual:` (with the runner's notes), and how
/// many attempts failed when there were several.
fn failure_explanation(requirement: &str, failed: &Failed, wording: &[(&str, String)]) -> String {
    let mut text = match &failed.phase {
        // The requirement that failed is the setup step's; the test's own was not reached.
        Phase::Setup {
            step,
            requirement: relied_on,
        } => format!(
            "Could not set up the test: {step} ({relied_on}), so {requirement} was not \
             checked.\n{}",
            requirements::line_in(relied_on, wording)
        ),
        Phase::Test => requirements::line_in(requirement, wording),
        Phase::Target { verdict } => verdict.clone(),
    };
    let _ = write!(
        text,
        "\nExpected: {}\nActual: {}",
        failed.expected,
        failed.actual_with_notes()
    );
    let Attempts { failed, of } = failed.attempts;
    if of > 1 {
        if failed < of {
            let _ = write!(
                text,
                "\nIntermittent: failed {failed} of {of} attempts (a race in the server)"
            );
        } else {
            let _ = write!(text, "\nFailed {failed} of {of} attempts");
        }
    }
    text
}

/// The first line of a failure's explanation, for one-line summaries (JUnit `message`).
fn failure_headline(result: &TestResult, wording: &[(&str, String)]) -> String {
    detail(result, wording)
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The arrow of a transcript line: `→` sent, `←` received, `∙` an event on the connection.
fn arrow(direction: Direction) -> &'static str {
    match direction {
        Direction::Sent => "→",
        Direction::Received => "←",
        Direction::Event => "∙",
    }
}

/// Transcript lines as text, without indentation: `+12ms ana  → hola`, with the time and
/// user columns aligned. At most `cap` lines: beyond that, the first and last lines are kept
/// around a `… N more lines` note (the end of a transcript is usually where it went wrong).
fn transcript_lines(transcript: &[TranscriptLine], cap: usize) -> Vec<String> {
    let time_width = transcript
        .iter()
        .map(|l| format!("+{}ms", l.at_ms).len())
        .max()
        .unwrap_or(0);
    let user_width = transcript
        .iter()
        .map(|l| l.user.chars().count())
        .max()
        .unwrap_or(0);
    let format_line = |l: &TranscriptLine| {
        format!(
            "{:>time_width$} {:<user_width$} {} {}",
            format!("+{}ms", l.at_ms),
            l.user,
            arrow(l.direction),
            l.text
        )
        .trim_end()
        .to_owned()
    };
    if transcript.len() <= cap {
        return transcript.iter().map(format_line).collect();
    }
    let head = cap / 4;
    let tail = cap - head;
    let hidden = transcript.len() - head - tail;
    let mut lines: Vec<String> = transcript[..head].iter().map(format_line).collect();
    lines.push(format!("… {hidden} more lines"));
    lines.extend(
        transcript[transcript.len() - tail..]
            .iter()
            .map(format_line),
    );
    lines
}

/// Milliseconds, for reports.
fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod grader_tests;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::{Level, Mark, SkipCause};

    fn line(at_ms: u64, user: &str, direction: Direction, text: &str) -> TranscriptLine {
        TranscriptLine {
            at_ms,
            user: user.to_owned(),
            direction,
            text: text.to_owned(),
        }
    }

    fn result(id: &str, requirement: &str, title: &str, status: Status) -> TestResult {
        TestResult {
            id: id.to_owned(),
            level: Level::Core,
            requirement: requirement.to_owned(),
            title: title.to_owned(),
            status,
            duration: Duration::from_millis(3),
        }
    }

    /// A pass, a failure with expected/actual/notes/transcript, and a skip.
    pub(super) fn sample() -> RunReport {
        let pass = result(
            "join.others-notified",
            "JOIN-2",
            "every other user sees the join",
            Status::pass(),
        );
        let mut failed = Failed::new(
            "ana receives nothing\n(beto receives `ana: hola`)",
            "ana received `ana: hola`",
        );
        failed
            .notes
            .push("the server was using CPU without pause".to_owned());
        failed.transcript = vec![
            line(0, "ana", Direction::Event, "connected"),
            line(2, "beto", Direction::Event, "connected"),
            line(12, "ana", Direction::Sent, "hola"),
            line(15, "beto", Direction::Received, "ana: hola"),
            line(16, "ana", Direction::Received, "ana: hola"),
            line(120, "ana", Direction::Event, "closed"),
        ];
        let mut fail = result(
            "chat.no-echo",
            "CHAT-2",
            "a message is not sent back to its sender",
            Status::Fail(Box::new(failed)),
        );
        fail.duration = Duration::from_millis(1250);
        let mut skip = result(
            "limit.max-clients",
            "LIMIT-1",
            "a full server refuses with an error",
            Status::Skip {
                reason: "the profile sets no max-clients".to_owned(),
                cause: SkipCause::Profile,
            },
        );
        skip.level = Level::Strict;
        skip.duration = Duration::ZERO;
        RunReport {
            target: "127.0.0.1:8070".to_owned(),
            profile: "reference".to_owned(),
            level: Level::Strict,
            seed: 42,
            results: vec![pass, fail, skip],
            duration: Duration::from_millis(1300),
            wording: Vec::new(),
        }
    }

    #[test]
    fn human() {
        let text = render(&sample(), Format::Human, Style::PLAIN).unwrap();
        insta::assert_snapshot!(text);
        assert!(text.ends_with("\n3 tests, 1 passed, 1 failed, 1 skipped\n"));
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn human_in_colour() {
        let text = render(&sample(), Format::Human, Style { color: true }).unwrap();
        assert!(text.contains("\x1b[31m✘ FAIL\x1b[0m"));
        let last = text.lines().last().unwrap();
        assert!(last.starts_with("3 tests, "), "{last:?}");
    }

    #[test]
    fn json() {
        let text = render(&sample(), Format::Json, Style { color: true }).unwrap();
        // The version changes with every release; `json_has_the_required_keys_and_types`
        // checks it.
        let version = (
            r#""conformance_version": "[^"]+""#,
            r#""conformance_version": "[version]""#,
        );
        insta::with_settings!({ filters => vec![version] }, {
            insta::assert_snapshot!(text);
        });
    }

    #[test]
    fn junit() {
        let text = render(&sample(), Format::Junit, Style::PLAIN).unwrap();
        insta::assert_snapshot!(text);
        let parsed = quick_junit::Report::deserialize_from_str(&text).unwrap();
        assert_eq!(parsed.tests, 3);
        assert_eq!(parsed.failures, 1);
        assert_eq!(parsed.skipped, 1);
        assert_eq!(parsed.test_suites.len(), 3);
    }

    #[test]
    fn json_has_the_required_keys_and_types() {
        use serde_json::Value;
        let text = render(&sample(), Format::Json, Style::PLAIN).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        let object = value.as_object().unwrap();
        assert_eq!(object["conformance_version"], env!("CARGO_PKG_VERSION"));
        assert!(object["target"].is_string());
        assert!(object["profile"].is_string());
        assert_eq!(object["level"], "strict");
        assert_eq!(object["seed"], 42);
        assert!(object["seed"].is_u64());
        let summary = object["summary"].as_object().unwrap();
        assert_eq!(summary.len(), 3);
        assert_eq!(summary["passed"], 1);
        assert_eq!(summary["failed"], 1);
        assert_eq!(summary["skipped"], 1);
        let tests = object["tests"].as_array().unwrap();
        assert_eq!(tests.len(), 3);
        for test in tests {
            assert!(test["id"].is_string());
            assert!(matches!(test["level"].as_str(), Some("core" | "strict")));
            assert!(test["requirement"].is_string());
            assert!(matches!(
                test["status"].as_str(),
                Some("pass" | "fail" | "skip")
            ));
            assert!(test["detail"].is_string());
            assert!(test["duration_ms"].is_u64());
        }
        let statuses: Vec<_> = tests
            .iter()
            .map(|t| t["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["pass", "fail", "skip"]);
        assert_eq!(tests[1]["duration_ms"], 1250);
        assert_eq!(tests[2]["level"], "strict");
    }

    #[test]
    fn a_failure_is_explained_once_from_its_evidence() {
        let mut failed = Failed::new("one\ntwo", "three");
        failed.notes.push("the server exited".to_owned());
        let r = result("join.x", "JOIN-2", "t", Status::Fail(Box::new(failed)));
        let text = detail(&r, &[]);
        assert!(
            text.starts_with("JOIN-2 (MUST): When a user joins"),
            "{text}"
        );
        assert!(
            text.ends_with("\nExpected: one\ntwo\nActual: three\nthe server exited"),
            "{text}"
        );
        assert_eq!(text.matches("three").count(), 1);
        assert!(failure_headline(&r, &[]).starts_with("JOIN-2 (MUST): "));
    }

    #[test]
    fn setup_failures_and_attempts_are_said() {
        let mut failed = Failed::new("u08 sees u09 join", "u08 never saw it");
        failed.phase = Phase::Setup {
            step: "u08 never saw u09 join".to_owned(),
            requirement: "JOIN-2".to_owned(),
        };
        failed.attempts = Attempts { failed: 1, of: 3 };
        let r = result(
            "cleanup.churn",
            "CLEAN-4",
            "t",
            Status::Intermittent(Box::new(failed)),
        );
        let text = detail(&r, &[]);
        assert!(
            text.starts_with(
                "Could not set up the test: u08 never saw u09 join (JOIN-2), so CLEAN-4 was not \
                 checked.\nJOIN-2 (MUST): "
            ),
            "{text}"
        );
        assert!(
            text.ends_with("\nIntermittent: failed 1 of 3 attempts (a race in the server)"),
            "{text}"
        );
        assert_eq!(r.status.mark(), Mark::Fail);
        let report = RunReport {
            results: vec![r],
            ..sample()
        };
        let summary = report.summary();
        assert_eq!((summary.failed, summary.intermittent), (1, 1));
    }

    #[test]
    fn requirement_lines_are_quoted_in_the_servers_wording() {
        let english = crate::profile::Profile::parse(
            "english",
            "join = \"*** {user} joined\"\nleave = \"*** {user} left\"\n\
             chat = \"{user} says: {text}\"\nquit = \"/quit\"\n",
        )
        .unwrap();
        let lost = Failed::new("beto receives CHAT ana hola", "nothing within 2s");
        let report = RunReport {
            wording: english.wording(),
            results: vec![result(
                "broadcast.basic",
                "CHAT-1",
                "t",
                Status::Fail(Box::new(lost)),
            )],
            ..sample()
        };
        for format in [Format::Human, Format::Json, Format::Junit] {
            let text = render(&report, format, Style::PLAIN).unwrap();
            assert!(text.contains("`{user} says: {text}`"), "{format:?}: {text}");
            assert!(!text.contains("`{user}: {text}`"), "{format:?}: {text}");
        }
    }

    #[test]
    fn a_target_verdict_leads_in_every_format() {
        let mut failed = Failed::new("ana receives the welcome line", "ana received OTHER");
        failed.phase = Phase::Target {
            verdict: "This does not look like a chat server".to_owned(),
        };
        let r = result("join.single", "JOIN-2", "t", Status::Fail(Box::new(failed)));
        assert!(detail(&r, &[]).starts_with("This does not look like a chat server\nExpected: "));
        let report = RunReport {
            results: vec![r],
            ..sample()
        };
        let json = render(&report, Format::Json, Style::PLAIN).unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["tests"][0]["phase"], "target");
        assert_eq!(value["summary"].get("in_setup"), None);
        let junit = render(&report, Format::Junit, Style::PLAIN).unwrap();
        assert!(
            junit.contains(
                "<error message=\"This does not look like a chat server\" type=\"target\""
            ),
            "{junit}"
        );
    }

    #[test]
    fn a_pass_with_a_note_shows_the_note() {
        let r = result(
            "broadcast.intact_text",
            "CHAT-3",
            "t",
            Status::Pass {
                notes: vec!["accepted at core, but strict would not".to_owned()],
            },
        );
        assert_eq!(detail(&r, &[]), "accepted at core, but strict would not");
        let report = RunReport {
            results: vec![r],
            ..sample()
        };
        let text = render(&report, Format::Human, Style::PLAIN).unwrap();
        assert!(
            text.contains("      note: accepted at core, but strict would not\n"),
            "{text}"
        );
        assert!(
            text.ends_with("\n1 tests, 1 passed, 0 failed, 0 skipped\n"),
            "{text}"
        );
    }

    #[test]
    fn long_transcripts_are_elided_in_the_middle() {
        let transcript: Vec<_> = (0..100)
            .map(|i| line(i, "ana", Direction::Sent, &format!("m{i}")))
            .collect();
        let lines = transcript_lines(&transcript, 40);
        assert_eq!(lines.len(), 41);
        assert_eq!(lines[0], " +0ms ana → m0");
        assert_eq!(lines[10], "… 60 more lines");
        assert_eq!(lines[40], "+99ms ana → m99");
    }

    #[test]
    fn groups_keep_run_order() {
        let report = sample();
        let names: Vec<_> = groups(&report).into_iter().map(|(g, _)| g).collect();
        assert_eq!(names, ["join", "chat", "limit"]);
        assert_eq!(crate::model::group_of("nodot"), "nodot");
    }

    #[test]
    fn no_color_is_honoured() {
        assert!(Style::decide(true, None).color);
        assert!(!Style::decide(false, None).color);
        assert!(!Style::decide(true, Some(OsStr::new("1"))).color);
        assert!(Style::decide(true, Some(OsStr::new(""))).color);
    }
}
