//! The `[grading]` table: what it accepts, what it refuses (naming the key), and the scores.

use std::time::Duration;

use super::*;
use crate::model::{Failed, Level, RunReport, SkipCause, Status, TestResult};

fn result(id: &str, requirement: &str, status: Status) -> TestResult {
    TestResult {
        id: id.to_owned(),
        level: Level::Core,
        requirement: requirement.to_owned(),
        title: "t".to_owned(),
        status,
        duration: Duration::from_millis(1),
    }
}

fn fail() -> Status {
    Status::Fail(Box::new(Failed::new("e", "a")))
}

fn skip(cause: SkipCause) -> Status {
    Status::Skip {
        reason: "r".to_owned(),
        cause,
    }
}

fn report(results: Vec<TestResult>) -> RunReport {
    RunReport {
        target: "t".to_owned(),
        profile: "p".to_owned(),
        level: Level::Core,
        seed: 1,
        results,
        duration: Duration::ZERO,
        wording: Vec::new(),
    }
}

fn error(text: &str) -> String {
    Grading::parse("g.toml", text).unwrap_err().to_string()
}

#[test]
fn a_table_is_read_with_every_key() {
    let g = Grading::parse(
        "g.toml",
        "[grading]\ntotal = 40\nvisibility = \"after_published\"\n\
         [grading.weights]\njoin = 2\nLEAVE-1 = 3\n\"leave.quit\" = 0.5\n\
         [grading.test_visibility]\n\"cleanup.churn\" = \"hidden\"\n",
    )
    .unwrap();
    assert_eq!(g.total, Some(40.0));
    assert_eq!(g.visibility, Visibility::AfterPublished);
    assert_eq!(g.weight("join.single", "JOIN-2"), 2.0);
    assert_eq!(g.weight("leave.fin_idle", "LEAVE-1"), 3.0);
    assert_eq!(
        g.weight("leave.quit", "LEAVE-1"),
        0.5,
        "a test id beats its requirement"
    );
    assert_eq!(g.weight("order.fifo", "ORDER-1"), 1.0);
    assert_eq!(
        g.visibility_of("cleanup.churn", "CLEAN-3"),
        Visibility::Hidden
    );
    assert_eq!(
        g.visibility_of("cleanup.rejoin", "CLEAN-1"),
        Visibility::AfterPublished
    );
    assert_eq!(
        Grading::parse("p.toml", "quit = \"x\"\n").unwrap(),
        Grading::default()
    );
}

#[test]
fn a_bad_table_names_the_key() {
    for (text, wanted) in [
        ("[grading]\ntotl = 3\n", "key `grading.totl`: unknown key"),
        (
            "[grading]\ntotal = 0\n",
            "key `grading.total`: must be more than 0",
        ),
        (
            "[grading]\ntotal = \"x\"\n",
            "key `grading.total`: must be a number, not string",
        ),
        (
            "[grading.weights]\njoin = -1\n",
            "key `grading.weights.join`: must be a number of at least 0",
        ),
        (
            "[grading.weights]\njoin = nan\n",
            "key `grading.weights.join`",
        ),
        (
            "[grading]\nweights = 3\n",
            "key `grading.weights`: must be a table",
        ),
        (
            "[grading]\nvisibility = \"secret\"\n",
            "key `grading.visibility`: `secret` is not one of `hidden`",
        ),
        (
            "[grading.test_visibility]\n\"leave.quit\" = 1\n",
            "key `grading.test_visibility.leave.quit`: must be one of",
        ),
        ("grading = 3\n", "key `grading`: must be a table"),
        ("[grading\n", "g.toml: TOML parse error"),
    ] {
        let message = error(text);
        assert!(message.starts_with("g.toml: "), "{message}");
        assert!(message.contains(wanted), "{text:?}: {message}");
    }
}

#[test]
fn a_grading_file_holds_only_the_table_and_not_twice() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let own = dir.join("grading.toml");
    let profile = dir.join("profile.toml");
    let plain = dir.join("plain.toml");
    std::fs::write(&own, "[grading]\ntotal = 10\n").unwrap();
    std::fs::write(&profile, "quit = \"bye\"\n[grading]\ntotal = 5\n").unwrap();
    std::fs::write(&plain, "quit = \"bye\"\n").unwrap();
    let name = |p: &std::path::Path| p.display().to_string();
    assert_eq!(
        Grading::load(&name(&plain), Some(&own)).unwrap().total,
        Some(10.0)
    );
    assert_eq!(
        Grading::load(&name(&profile), None).unwrap().total,
        Some(5.0)
    );
    assert_eq!(
        Grading::load("reference", None).unwrap(),
        Grading::default()
    );
    let twice = Grading::load(&name(&profile), Some(&own))
        .unwrap_err()
        .to_string();
    assert!(twice.contains("key `grading`: the profile"), "{twice}");
    let stray = Grading::load("reference", Some(&profile))
        .unwrap_err()
        .to_string();
    assert!(
        stray.contains("key `quit`: unknown in a grading file"),
        "{stray}"
    );
    let none = Grading::load("reference", Some(&plain))
        .unwrap_err()
        .to_string();
    assert!(none.contains("key `quit`"), "{none}");
    let missing = Grading::load("reference", Some(&dir.join("nope.toml")))
        .unwrap_err()
        .to_string();
    assert!(missing.starts_with("cannot read "), "{missing}");
}

#[test]
fn names_that_grade_no_test_are_found() {
    let g = Grading::parse(
        "g.toml",
        "[grading.weights]\njoin = 2\n\"jion.single\" = 1\n[grading.test_visibility]\nCHAT-9 = \"hidden\"\n",
    )
    .unwrap();
    let unknown = g.unknown_names(&[("join.single", "JOIN-2")]);
    assert_eq!(
        unknown,
        [("weights", "jion.single"), ("test_visibility", "CHAT-9")]
    );
}

#[test]
fn skips_by_the_profile_are_out_of_the_total_and_failures_score_zero() {
    let mut intermittent = Failed::new("e", "a");
    intermittent.attempts = crate::model::Attempts { failed: 1, of: 3 };
    let run = report(vec![
        result("join.a", "JOIN-2", Status::pass()),
        result("join.b", "JOIN-2", fail()),
        result(
            "leave.a",
            "LEAVE-1",
            Status::Intermittent(Box::new(intermittent)),
        ),
        result("leave.b", "LEAVE-1", skip(SkipCause::Profile)),
        result("quit.a", "QUIT-1", skip(SkipCause::Inapplicable)),
        result("order.a", "ORDER-1", skip(SkipCause::NotRun)),
        result("order.b", "ORDER-1", Status::pass()),
    ]);
    let g = Grading::parse("g", "[grading]\ntotal = 100\n[grading.weights]\njoin = 3\n").unwrap();
    let s = Scores::of(&run, &g);
    let max: Vec<u64> = s.tests.iter().map(|t| t.max_cents).collect();
    // Counted weights: 3 + 3 + 1 + 1 + 1 = 9; 100 points in hundredths shared out exactly.
    assert_eq!(max, [3334, 3333, 1111, 0, 0, 1111, 1111]);
    assert_eq!(s.max_cents, 10_000);
    assert_eq!(s.score_cents, 3334 + 1111);
    assert_eq!(s.summary(), "44.45 / 100 points");
    assert!(!s.tests[3].counted && !s.tests[4].counted && s.tests[5].counted);
    let plain = Scores::of(&run, &Grading::default());
    assert_eq!(
        plain.summary(),
        "2 / 5 points",
        "one point per counted test"
    );
}

#[test]
fn nothing_to_grade_is_zero_of_zero() {
    let run = report(vec![result("join.a", "JOIN-2", skip(SkipCause::Profile))]);
    let s = Scores::of(&run, &Grading::default());
    assert_eq!((s.score_cents, s.max_cents), (0, 0));
    let weightless =
        Grading::parse("g", "[grading]\ntotal = 10\n[grading.weights]\njoin = 0\n").unwrap();
    let run = report(vec![result("join.a", "JOIN-2", Status::pass())]);
    assert_eq!(Scores::of(&run, &weightless).summary(), "0 / 0 points");
    assert_eq!(score::points_text(1250), "12.5");
    assert_eq!(score::points_text(4000), "40");
}
