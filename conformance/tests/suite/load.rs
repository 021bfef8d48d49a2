//! `conformance load`: small runs against real servers. They check what the instrument counts
//! (deliveries, losses, duplicates) and its command-line contract — never how fast anything
//! is (speed is `make bench`'s business).

use predicates::prelude::*;
use serde_json::Value;

use crate::support::{conformance, path, require_reference_server, seed_server, stdout};

/// Runs `conformance load ARGS --format json`, checks the exit code, returns the report.
fn load_json(args: &[&str], code: i32) -> Value {
    let out = conformance()
        .arg("load")
        .args(args)
        .args(["--format", "json"])
        .assert()
        .code(code);
    let text = stdout(out.get_output());
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

#[test]
fn chat_1_a_small_run_against_the_reference_delivers_everything_exactly_once() {
    require_reference_server();
    let report = load_json(&["--users", "12", "--senders", "3", "--messages", "40"], 0);
    assert_eq!(report["sent"], 3 * 40);
    assert_eq!(report["expected"], 3 * 40 * 11);
    assert_eq!(report["delivered"], 3 * 40 * 11);
    assert_eq!(report["lost"], 0);
    assert_eq!(report["duplicated"], 0);
    assert_eq!(report["unexpected"], 0);
    assert_eq!(report["disconnected"], 0);
    assert_eq!(report["joins_seen"], report["joins_expected"]);
    assert_eq!(report["exactly_once"], true);
    let latency = &report["latency"];
    for q in ["p50_ms", "p90_ms", "p99_ms", "p99_9_ms", "max_ms"] {
        assert!(
            latency[q].as_f64().is_some_and(|v| v > 0.0),
            "{q}: {latency}"
        );
    }
    assert!(latency["p50_ms"].as_f64() <= latency["max_ms"].as_f64());
    assert!(report["deliveries_per_sec"].as_f64().unwrap() > 0.0);
}

#[test]
fn chat_1_a_paced_run_with_a_plot_reports_for_people_and_draws_svg() {
    require_reference_server();
    let dir = std::env::temp_dir().join(format!("conformance-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("latency.svg");
    conformance()
        .args(["load", "--users", "6", "--senders", "2", "--messages", "10"])
        .args(["--rate", "200", "--plot", svg.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("delivered   100 of 100"))
        .stdout(predicate::str::contains(
            "every message delivered exactly once",
        ));
    let drawing = std::fs::read_to_string(&svg).unwrap();
    assert!(
        drawing.starts_with("<svg"),
        "{}",
        &drawing[..80.min(drawing.len())]
    );
    assert!(drawing.contains("latency distribution"));
}

/// A short run against the seed server with `--bug BUG` (exit code `code`): its report.
fn seed_with_bug(bug: &str, code: i32) -> Value {
    let server = seed_server(&format!("--bug {bug}"));
    let profile = path("fixtures/profiles/seed.toml");
    let args = ["--server-cmd", &server, "--profile", &profile];
    let run = [
        "--users",
        "8",
        "--senders",
        "2",
        "--messages",
        "40",
        "--idle-ms",
        "500",
    ];
    load_json(&[&args[..], &run[..]].concat(), code)
}

#[test]
fn chat_1_losses_are_counted_and_fail_the_run() {
    // The seed server with `--bug lose` skips every 20th delivery.
    let report = seed_with_bug("lose", 1);
    assert_eq!(report["expected"], 2 * 40 * 7);
    let lost = report["lost"].as_u64().unwrap();
    assert!(lost > 0, "{report}");
    assert_eq!(report["delivered"].as_u64().unwrap() + lost, 2 * 40 * 7);
    assert_eq!(report["duplicated"], 0);
    assert_eq!(report["exactly_once"], false);
}

#[test]
fn chat_1_duplicates_are_counted_and_fail_the_run() {
    let report = seed_with_bug("duplicate", 1);
    assert!(report["duplicated"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(report["lost"], 0);
}

#[test]
fn bad_load_arguments_exit_2() {
    for args in [
        vec!["load", "--users", "1"],
        vec!["load", "--users", "3", "--senders", "4"],
        vec!["load", "--rate", "0"],
        vec!["load", "--messages", "0"],
        vec!["load", "--format", "junit"],
        vec!["load", "--target", "a:1", "--server-cmd", "x {port}"],
        vec!["load", "--frobnicate"],
        vec!["--level", "strict", "load"],
    ] {
        conformance().args(&args).assert().code(2);
    }
}

#[test]
fn a_chunk_framed_profile_or_an_unreachable_target_exits_2() {
    conformance()
        .args([
            "load",
            "--profile",
            &path("fixtures/profiles/seed-chunk.toml"),
        ])
        .args(["--target", "127.0.0.1:9"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line framing"));
    conformance()
        .args(["load", "--target", "127.0.0.1:9"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot connect"));
}
