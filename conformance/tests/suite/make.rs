//! `make conformance`: make exits 2 whenever the suite fails, whatever the suite's own exit
//! code, so its last line must say what that code meant. Make runs the `conformance` binary
//! under test (`CONFORMANCE_BIN=`) and builds nothing (`CARGO=true`).

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::{path, root, seed_server};

/// `make -s conformance VARS…` in the workspace root, bounded; its output.
fn make_conformance(vars: &[String]) -> Output {
    let started = Instant::now();
    let output = Command::new("make")
        .current_dir(root())
        .args(["-s", "conformance", "CARGO=true"])
        .arg(format!(
            "CONFORMANCE_BIN={}",
            env!("CARGO_BIN_EXE_conformance")
        ))
        .args(vars)
        .env("NO_COLOR", "1")
        .output()
        .expect("make runs");
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "make conformance took {:?}",
        started.elapsed()
    );
    output
}

/// The last line make's recipe printed to stderr (make's own `***` line excluded).
fn meaning(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr
        .lines()
        .rfind(|l| l.starts_with("make conformance:"))
        .unwrap_or_else(|| panic!("no meaning line in stderr:\n{stderr}"))
        .to_owned()
}

#[test]
fn a_failing_make_conformance_says_the_suite_found_failures() {
    let server = seed_server("--bug double-leave");
    let output = make_conformance(&[
        format!("PROFILE={}", path("fixtures/profiles/seed.toml")),
        format!("ARGS=--server-cmd '{server}' --filter leave.quit --seed 1"),
    ]);
    assert!(!output.status.success());
    assert_eq!(
        meaning(&output),
        "make conformance: the suite exited 1: at least one test failed (the report above \
         says which)"
    );
}

#[test]
fn a_make_conformance_that_cannot_run_says_so() {
    // A port that was free a moment ago: nothing listens there.
    let port = chat_test_support::vacant_port();
    let output = make_conformance(&[format!("TARGET=127.0.0.1:{port}")]);
    assert!(!output.status.success());
    assert!(
        meaning(&output).starts_with("make conformance: the suite exited 2: it could not run"),
        "{}",
        meaning(&output)
    );
}

#[test]
fn a_passing_make_conformance_adds_nothing() {
    let output = make_conformance(&["ARGS=--filter join.single".to_owned()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("make conformance:"), "{stderr}");
}
