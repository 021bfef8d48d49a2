//! What a student sees when their server is wrong: the human report of a known-bad fixture
//! server, snapshotted with the volatile parts (times, paths, random tags) filtered.

use crate::support::{conformance, path, seed_server, snapshot_filters, stdout};

/// The report with its transcript lines grouped per user: each user's own order is
/// deterministic, while the interleaving of different users' lines is a race.
fn stable(report: &str) -> String {
    let mut out = String::new();
    let mut transcript: Vec<(String, String)> = Vec::new();
    let flush = |out: &mut String, transcript: &mut Vec<(String, String)>| {
        transcript.sort_by(|a, b| a.0.cmp(&b.0)); // stable: keeps each user's order
        for (_, line) in transcript.drain(..) {
            out.push_str(&line);
            out.push('\n');
        }
    };
    for line in report.lines() {
        let trimmed = line.trim_start();
        let is_transcript = trimmed.starts_with('+')
            && trimmed
                .split_whitespace()
                .next()
                .is_some_and(|t| t.ends_with("ms"));
        if is_transcript {
            let mut words = trimmed.split_whitespace();
            words.next();
            let user = words.next().unwrap_or_default().to_string();
            transcript.push((user, line.to_string()));
        } else {
            flush(&mut out, &mut transcript);
            out.push_str(line);
            out.push('\n');
        }
    }
    flush(&mut out, &mut transcript);
    out
}

#[test]
fn an_echoing_server_gets_a_report_that_names_the_bug() {
    let out = conformance()
        .args(["--server-cmd", &seed_server("--bug echo")])
        .args(["--profile", &path("fixtures/profiles/seed.toml")])
        .args(["--filter", "broadcast.no_echo", "--seed", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = stable(&stdout(&out));
    let filters = snapshot_filters();
    insta::with_settings!({
        filters => filters.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect::<Vec<_>>(),
    }, {
        insta::assert_snapshot!(report);
    });
}

/// The seed's failing tests with `--bug BUG`, as (id, actual) from the JSON report.
fn failures(bug: &str, filters: &[&str]) -> Vec<(String, String)> {
    let mut command = conformance();
    command
        .args(["--server-cmd", &seed_server(&format!("--bug {bug}"))])
        .args(["--profile", &path("fixtures/profiles/seed.toml")])
        .args(["--format", "json", "--seed", "1"]);
    for filter in filters {
        command.args(["--filter", filter]);
    }
    let out = command.output().unwrap();
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "fail")
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_owned(),
                t["actual"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// An echo fails tests of other requirements too (the join test's history, the leave
/// test's "nothing else"): each says the echo may be all that failed, quoting the line;
/// the echo's own test does not need to. A failure without an echo gets no such note.
#[test]
fn an_echo_is_named_in_the_failures_it_causes_under_other_requirements() {
    const ECHO_NOTE: &str = "the server echoes, which CHAT-2 forbids (broadcast.no_echo)";
    let echo = failures(
        "echo",
        &["join.no_history", "leave.quit", "broadcast.no_echo"],
    );
    let ids: Vec<&str> = echo.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["join.no_history", "broadcast.no_echo", "leave.quit"]);
    for (id, actual) in &echo {
        let noted = actual.contains(ECHO_NOTE);
        assert_eq!(noted, id != "broadcast.no_echo", "{id}: {actual}");
    }
    assert!(
        echo[2].1.contains("ana received its own \"[ana] sync-"),
        "in the test's names: {}",
        echo[2].1
    );
    let doubled = failures("double-leave", &["leave.quit"]);
    assert_eq!(doubled.len(), 1, "{doubled:?}");
    assert!(!doubled[0].1.contains(ECHO_NOTE), "{doubled:?}");
}
