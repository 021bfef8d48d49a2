//! The TAP, Markdown, Gradescope and Classroom reports of a sample run: snapshots, the
//! fields each grader reads, the kinds of failure kept apart, escaping, and the size bound.

use std::time::Duration;

use super::tests::sample;
use super::*;
use crate::model::{Level, SkipCause};

fn graded(format: Format, report: &RunReport, table: &str) -> String {
    let grading = Grading::parse("g.toml", table).unwrap();
    render_scored(report, &Scores::of(report, &grading), format, Style::PLAIN).unwrap()
}

/// The sample, plus a failure in setup, an intermittent one and a test not run.
fn varied() -> RunReport {
    let mut report = sample();
    let mut setup = Failed::new("beto sees ana join", "nothing within 2s");
    setup.phase = Phase::Setup {
        step: "ana and beto join the room".to_owned(),
        requirement: "JOIN-2".to_owned(),
    };
    let mut race = Failed::new("one leave line", "two # of them \\ here");
    race.attempts = Attempts { failed: 1, of: 3 };
    let base = report.results[0].clone();
    let with = |id: &str, requirement: &str, status: Status| TestResult {
        id: id.to_owned(),
        requirement: requirement.to_owned(),
        status,
        ..base.clone()
    };
    report.results.extend([
        with("leave.quit", "LEAVE-1", Status::Fail(Box::new(setup))),
        with("leave.rst", "LEAVE-2", Status::Intermittent(Box::new(race))),
        with(
            "order.total",
            "ORDER-2",
            Status::Skip {
                reason: "not run: the server had exited".to_owned(),
                cause: SkipCause::NotRun,
            },
        ),
    ]);
    report
}

const TABLE: &str = "[grading]\ntotal = 10\nvisibility = \"after_due_date\"\n\
                     [grading.weights]\nleave = 2\n[grading.test_visibility]\nLEAVE-2 = \"hidden\"\n";

#[test]
fn tap() {
    let text = graded(Format::Tap, &varied(), TABLE);
    insta::assert_snapshot!(text);
    assert!(text.starts_with("TAP version 14\n1..6\n"));
    assert!(
        text.contains("  actual: \"two # of them \\\\ here\"\n"),
        "quoted, not cut"
    );
    assert!(
        text.contains(
            "ok 3 - limit.max-clients LIMIT-1: a full server refuses with an error # SKIP "
        )
    );
    assert_eq!(text.matches("\nnot ok ").count(), 3);
    assert!(text.contains("  outcome: \"failed in setup\"\n"));
    assert!(text.contains("  outcome: \"intermittent\"\n"));
}

#[test]
fn markdown() {
    let text = graded(Format::Markdown, &varied(), TABLE);
    insta::assert_snapshot!(text);
    let first_failure = text.find("#### ✘").unwrap();
    assert!(first_failure < text.find("### Every test").unwrap());
    assert!(text.contains("| ○ not run | `order.total` |"));
    assert!(text.contains("| ✘ failed in setup | `leave.quit` |"));
}

#[test]
fn gradescope() {
    let text = graded(Format::Gradescope, &varied(), TABLE);
    insta::assert_snapshot!(text);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let tests = value["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 5, "the profile's skip is out of the total");
    let rst = &tests[3];
    assert_eq!(rst["visibility"], "hidden");
    assert_eq!(rst["tags"][3], "intermittent");
    assert_eq!(value["visibility"], "after_due_date");
    // Weights 1, 1, 2, 2, 1 of 10 points: 1.428…, 2.857… each rounded down, and the 4
    // spare hundredths to the largest remainders (.857 before .714; run order on a tie).
    let max: Vec<f64> = tests
        .iter()
        .map(|t| t["max_score"].as_f64().unwrap())
        .collect();
    assert_eq!(max, [1.43, 1.43, 2.86, 2.85, 1.43]);
    assert_eq!(value["score"], 1.43);
}

#[test]
fn classroom() {
    let text = graded(Format::Classroom, &varied(), TABLE);
    insta::assert_snapshot!(text);
    assert_eq!(text.lines().count(), 1, "one line, for $GITHUB_OUTPUT");
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["status"], "error");
    let statuses: Vec<&str> = value["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["pass", "fail", "error", "fail", "fail"]);
    let passing = RunReport {
        results: vec![sample().results[0].clone()],
        ..sample()
    };
    let text = graded(Format::Classroom, &passing, "");
    assert!(text.starts_with("{\"version\":1,\"status\":\"pass\",\"max_score\":1.0,"));
}

#[test]
fn markdown_stays_under_a_mebibyte_and_fences_hold() {
    let mut report = sample();
    let failing = report.results[1].clone();
    report.results = (0..3000)
        .map(|i| {
            let mut r = failing.clone();
            r.id = format!("chat.no-echo-{i}");
            if let Status::Fail(f) = &mut r.status {
                f.actual = "``` | <b>".repeat(20);
                f.transcript = (0..100)
                    .map(|t| TranscriptLine {
                        at_ms: t,
                        user: "ana".to_owned(),
                        direction: Direction::Received,
                        text: "x".repeat(200),
                    })
                    .collect();
            }
            r
        })
        .collect();
    let text = render(&report, Format::Markdown, Style::PLAIN).unwrap();
    assert!(text.len() <= markdown::LIMIT, "{}", text.len());
    assert!(text.contains("more failures left out to stay under GitHub's 1 MiB"));
    assert_eq!(
        text.matches("| ✘ failed |").count(),
        3000,
        "every test in the table"
    );
    assert!(
        text.contains("\n````text\n"),
        "a fence longer than the text's backticks"
    );
}

#[test]
fn tap_descriptions_cannot_start_a_directive() {
    let mut report = sample();
    report.results[0].title = "a # b \\ c\nd".to_owned();
    report.results[0].level = Level::Core;
    report.results[0].duration = Duration::ZERO;
    let text = render(&report, Format::Tap, Style::PLAIN).unwrap();
    assert!(
        text.contains("ok 1 - join.others-notified JOIN-2: a \\# b \\\\ c d\n"),
        "{text}"
    );
}

#[test]
fn a_json_report_reads_back_as_it_was_written() {
    let report = varied();
    let written = render(&report, Format::Json, Style::PLAIN).unwrap();
    let read = JsonReport::read(&written).unwrap();
    assert_eq!(read.to_text().unwrap(), written);
    let outcomes: Vec<&str> = read.tests.iter().map(|t| t.outcome.as_ref()).collect();
    assert!(outcomes.contains(&"failed in setup"), "{outcomes:?}");
    assert!(outcomes.contains(&"intermittent"), "{outcomes:?}");
    assert!(outcomes.contains(&"not run"), "{outcomes:?}");
    assert!(read.submission.is_none());
    // A report of some other program is refused, not half read.
    assert!(JsonReport::read("{\"hello\": 1}").is_err());
}
