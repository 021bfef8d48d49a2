//! Failures a student can read, on servers from the wild:
//! - `asyncio_no_joins.py` (asyncio streams) forgot to announce joins: the join tests fail
//!   as JOIN-2, and every other test that could not get past "ana sees beto join" says it
//!   failed while setting up, names JOIN-2 rather than its own requirement, and is counted
//!   as a setup failure in the human, JSON and JUnit reports;
//! - `makefile_strip.py` (threads, `sock.makefile()`) strips every message: core accepts
//!   that with a note; at strict the difference is whitespace, so both sides are quoted where
//!   it would be invisible, and a cut line says its true length.

use predicates::prelude::*;

use crate::support::{conformance, stdout, wild_server};

/// `conformance` against the wild server `name` with its profile, at `level`, for the tests
/// matching `filter`, in `format`.
fn run_wild(name: &str, level: &str, filter: &str, format: &str) -> std::process::Output {
    conformance()
        .args(wild_server(name, ""))
        .args(["--level", level, "--filter", filter, "--seed", "1"])
        .args(["--format", format])
        .output()
        .unwrap()
}

/// `asyncio_no_joins.py` at core level.
fn run(filter: &str, format: &str) -> std::process::Output {
    run_wild("asyncio_no_joins", "core", filter, format)
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

#[test]
fn a_stripped_message_passes_core_with_a_note_and_fails_strict_showing_the_lost_spaces() {
    let out = run_wild("makefile_strip", "core", "broadcast.intact_text", "human");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let report = stdout(&out);
    assert!(
        report.contains(
            "note: the server removed the spaces around \"   espacios alrededor   \": accepted \
             at core, but strict (broadcast.exact_text, CHAT-3) wants the text byte for byte"
        ),
        "{report}"
    );
    // Byte-exact text is the strict reading of CHAT-3, and the difference is visible.
    let out = run_wild("makefile_strip", "strict", "broadcast.exact_text", "human");
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    assert!(report.contains("✘ FAIL  broadcast.exact_text"), "{report}");
    assert!(
        report.contains("Expected: beto receives CHAT ana \"   espacios alrededor   \"\n"),
        "{report}"
    );
    assert!(
        report.contains("Actual: beto received CHAT ana espacios alrededor\n"),
        "{report}"
    );
    // The prompt's trailing space is shown too.
    assert!(report.contains("← \"Nickname? \""), "{report}");
}

#[test]
fn a_long_line_that_is_cut_says_its_true_length() {
    let out = run_wild("makefile_strip", "strict", "input.long_line", "human");
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    let actual = report
        .lines()
        .find(|l| l.trim_start().starts_with("Actual:"))
        .unwrap_or_else(|| panic!("no Actual line: {report}"));
    let total: usize = actual
        .rsplit_once("… (")
        .and_then(|(_, rest)| rest.split_once(" bytes in all)"))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("no length in {actual}"));
    assert!((20_000..20_100).contains(&total), "{actual}");
}
