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
