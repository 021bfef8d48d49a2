//! A server from the wild that forgot to announce joins (`fixtures/wild/asyncio_no_joins.py`,
//! asyncio streams): the join tests fail as JOIN-2, and every other test that could not get
//! past "ana sees beto join" says it failed while setting up, names JOIN-2 rather than its
//! own requirement, and is counted as a setup failure in the human, JSON and JUnit reports.

use predicates::prelude::*;

use crate::support::{conformance, path, stdout};

/// `conformance` against `asyncio_no_joins.py` with its profile, for the tests matching
/// `filter`, in `format`.
fn run(filter: &str, format: &str) -> std::process::Output {
    let server = path("fixtures/wild/asyncio_no_joins.py");
    conformance()
        .args(["--server-cmd", &format!("python3 {server} --port {{port}}")])
        .args(["--profile", &path("fixtures/wild/asyncio_no_joins.toml")])
        .args(["--filter", filter, "--seed", "1", "--format", format])
        .output()
        .unwrap()
}

#[test]
fn the_missing_join_fails_the_join_test_itself_as_join_2() {
    let out = run("join.single", "human");
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    assert!(report.contains("✘ FAIL  join.single"), "{report}");
    assert!(
        report.contains(
            "JOIN-2 (MUST): When a user joins, every *other* user present receives `{user} joined`"
        ),
        "{report}"
    );
    assert!(!report.contains("Could not set up"), "{report}");
    assert!(
        report.ends_with("\n1 tests, 0 passed, 1 failed, 0 skipped\n"),
        "{report}"
    );
}

#[test]
fn a_broadcast_test_says_it_could_not_be_set_up_and_which_requirement_failed() {
    let out = run("broadcast.basic", "human");
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    // The first thing the student reads names the join, not the broadcast, which works.
    let block: Vec<&str> = report
        .lines()
        .skip_while(|l| !l.contains("✘ FAIL  broadcast.basic"))
        .skip(1)
        .take(3)
        .map(str::trim)
        .collect();
    assert_eq!(
        block[0],
        "Could not set up the test: ana sees beto join (JOIN-2), so CHAT-1 was not checked."
    );
    assert!(block[1].starts_with("JOIN-2 (MUST): "), "{report}");
    assert_eq!(block[2], "Expected: ana receives JOIN beto");
    assert!(
        report.ends_with("\n1 tests, 0 passed, 1 failed (1 in setup), 0 skipped\n"),
        "{report}"
    );
}

#[test]
fn json_marks_the_setup_phase_and_the_requirement_that_failed() {
    let out = run("broadcast.basic", "json");
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["summary"]["failed"], 1);
    assert_eq!(json["summary"]["in_setup"], 1);
    let test = &json["tests"][0];
    assert_eq!(test["id"], "broadcast.basic");
    assert_eq!(test["requirement"], "CHAT-1");
    assert_eq!(test["status"], "fail");
    assert_eq!(test["phase"], "setup");
    assert_eq!(test["setup"]["step"], "ana sees beto join");
    assert_eq!(test["setup"]["requirement"], "JOIN-2");
}

#[test]
fn junit_files_a_setup_failure_as_an_error_typed_with_the_failed_requirement() {
    let out = run("broadcast.basic", "junit");
    assert_eq!(out.status.code(), Some(1));
    let xml = stdout(&out);
    let report = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    assert_eq!((report.tests, report.errors, report.failures), (1, 1, 0));
    let error = predicate::str::contains(
        "<error message=\"could not set up the test: ana sees beto join\" type=\"JOIN-2\"",
    );
    assert!(error.eval(&xml), "{xml}");
}
