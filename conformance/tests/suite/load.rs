//! `conformance load`: small runs against real servers. They check what the instrument counts
//! (deliveries, losses, duplicates, messages without their sender, unparsed lines) and its
//! command-line contract — never how fast anything is (speed is `make bench`'s business).

use predicates::prelude::*;
use serde_json::Value;

use crate::support::{conformance, path, seed_server, stdout, wild_server};

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
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("latency.svg");
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
    assert_plot_is_labelled_inside(&drawing);
}

/// The plot's title gives the load asked for (not the spawned server's throwaway port), and
/// every horizontal label, centred on its x, ends inside the picture: the last percentile
/// label (`99.999%`) was cut in half at the right edge.
fn assert_plot_is_labelled_inside(svg: &str) {
    let width: f64 = regex::Regex::new(r#"<svg[^>]* width="(\d+)""#)
        .unwrap()
        .captures(svg)
        .expect("the picture's width")[1]
        .parse()
        .unwrap();
    let text = regex::Regex::new(
        r#"<text x="([\d.]+)"[^>]*text-anchor="middle"[^>]*font-size="([\d.]+)"[^>]*>\s*([^<]*?)\s*</text>"#,
    )
    .unwrap();
    let labels: Vec<(f64, f64, String)> = text
        .captures_iter(svg)
        .map(|c| {
            (
                c[1].parse().unwrap(),
                c[2].parse().unwrap(),
                c[3].to_owned(),
            )
        })
        .collect();
    let title = &labels.first().expect("a title").2;
    assert!(
        title.contains("6 users, 2 senders at 200 msg/s each"),
        "{title}"
    );
    assert!(
        !svg.contains("127.0.0.1"),
        "the title names the load, not the port"
    );
    assert!(labels.iter().any(|l| l.2 == "99.999%"), "{labels:?}");
    for (x, size, label) in &labels {
        // A glyph of a sans-serif font is at most about 0.6 em wide.
        let half = label.chars().count() as f64 * size * 0.6 / 2.0;
        assert!(
            x + half <= width,
            "`{label}` ends at {} of {width}",
            x + half
        );
    }
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

/// Users, senders and messages of the runs against servers from the wild: each sender's
/// 40 lines (under 1,024 bytes together) fit one `recv(1024)`, so a server that relays
/// what one `recv` gave never cuts a line.
const WILD_RUN: [&str; 8] = [
    "--users",
    "10",
    "--senders",
    "2",
    "--messages",
    "40",
    "--idle-ms",
    "500",
];
/// Deliveries of a [`WILD_RUN`]: 2 senders × 40 messages × 9 other users.
const WILD_EXPECTED: u64 = 2 * 40 * 9;

/// `conformance load` on the server from the wild `name` (with `extra` server arguments):
/// the report as JSON, after checking the exit code.
fn wild_load(name: &str, extra: &str, code: i32) -> Value {
    let server = wild_server(name, extra);
    let args: Vec<&str> = server.iter().map(String::as_str).chain(WILD_RUN).collect();
    load_json(&args, code)
}

/// `conformance load` on the server from the wild `name`: the report for people, after
/// checking the exit code.
fn wild_load_for_people(name: &str, code: i32) -> String {
    let output = conformance()
        .arg("load")
        .args(wild_server(name, ""))
        .args(WILD_RUN)
        .assert()
        .code(code);
    stdout(output.get_output())
}

/// A report's field as a number.
fn count(report: &Value, pointer: &str) -> u64 {
    report
        .pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("no count {pointer} in {report}"))
}

#[test]
fn chat_1_messages_relayed_without_their_sender_s_name_are_counted_exactly() {
    // recv_prefix.py relays each recv(1024) as it came, with the sender's name in front
    // once, and writes down each chunk it relayed: "LINES RECEIVERS COMPLETE".
    let dir = tempfile::tempdir().unwrap();
    let account = dir.path().join("recv-prefix.txt");
    let report = wild_load(
        "recv_prefix",
        &format!("--account {}", account.display()),
        1,
    );
    let written = std::fs::read_to_string(&account).expect("the server wrote its account");
    let (mut named, mut nameless) = (0, 0);
    for chunk in written.lines() {
        let fields: Vec<u64> = chunk.split(' ').filter_map(|f| f.parse().ok()).collect();
        let [lines, receivers, complete] = fields[..] else {
            panic!("not an account line: {chunk:?}");
        };
        assert_eq!(complete, 1, "a chunk ended mid-line:\n{written}");
        named += receivers;
        nameless += (lines - 1) * receivers;
    }
    assert_eq!(count(&report, "/sent"), 80);
    assert_eq!(count(&report, "/expected"), WILD_EXPECTED);
    assert_eq!(count(&report, "/delivered"), named, "{report}");
    assert_eq!(count(&report, "/without_sender"), nameless, "{report}");
    assert_eq!(count(&report, "/lost"), 0, "{report}");
    assert_eq!(
        named + nameless,
        WILD_EXPECTED,
        "the server's account:\n{written}"
    );
    assert!(
        nameless > 0,
        "no chunk held more than one line, nothing to recognise:\n{written}"
    );
    assert_eq!(count(&report, "/lines/deliveries"), named);
    assert_eq!(count(&report, "/lines/without_sender"), nameless);
    assert_eq!(count(&report, "/unparsed"), 0, "{report}");
    assert_eq!(report["exactly_once"], false);
    assert_eq!(report["duration_ends"], "last_delivery");
}

#[test]
fn chat_1_the_human_report_says_how_many_arrived_without_their_sender() {
    let text = wild_load_for_people("recv_prefix", 1);
    let without = text
        .split("arrived without its sender: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no count of messages without their sender:\n{text}"));
    assert!(without > 0, "{text}");
    assert!(
        text.contains(&format!(
            "of {WILD_EXPECTED}  lost 0  duplicated 0  unexpected 0"
        )),
        "{text}"
    );
    assert!(
        text.contains("(from the first send to the last delivery)"),
        "{text}"
    );
}

#[test]
fn lines_the_profile_does_not_describe_are_counted_as_unparsed_and_quoted() {
    // status_lines.py follows every relayed chat line with "\x1b[2m(N online)\x1b[0m".
    let report = wild_load("status_lines", "", 1);
    assert_eq!(count(&report, "/delivered"), WILD_EXPECTED, "{report}");
    assert_eq!(count(&report, "/lost"), 0);
    assert_eq!(count(&report, "/without_sender"), 0);
    assert_eq!(count(&report, "/unparsed"), WILD_EXPECTED, "{report}");
    assert_eq!(
        report["unparsed_samples"][0],
        "\u{1b}[2m(10 online)\u{1b}[0m"
    );
    assert_eq!(report["exactly_once"], true);
    let lines = &report["lines"];
    let total: u64 = lines
        .as_object()
        .expect("lines is an object")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    // Deliveries, their status lines, 10 welcomes, 45 joins: nothing else, nothing twice.
    assert_eq!(total, 2 * WILD_EXPECTED + 10 + 45, "{lines}");

    let text = wild_load_for_people("status_lines", 1);
    assert!(
        text.contains(&format!(
            "unparsed    {WILD_EXPECTED} lines fit nothing in the profile; the first: \
             \"\\u{{1b}}[2m(10 online)\\u{{1b}}[0m\""
        )),
        "{text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "a raw escape reached the terminal:\n{text}"
    );
}

#[test]
fn join_2_joins_never_announced_are_weighed_against_the_deliveries() {
    // asyncio_no_joins.py announces no join, and delivers every message.
    let report = wild_load("asyncio_no_joins", "", 0);
    assert_eq!(count(&report, "/joins_seen"), 0);
    assert_eq!(count(&report, "/missed_joins/pairs"), 45, "{report}");
    assert_eq!(count(&report, "/missed_joins/lost_between"), 0);
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("only 0 of 45 join lines arrived")
            && warnings.contains("the delivery figures do not depend on the joins"),
        "{warnings}"
    );
}

#[test]
fn chat_1_a_run_with_losses_ends_one_settle_time_after_the_last_arrival() {
    let report = seed_with_bug("lose", 1);
    assert_eq!(report["duration_ends"], "settle_end", "{report}");
    assert_eq!(report["settle_s"], 0.5);
    let duration = report["duration_s"].as_f64().unwrap_or_default();
    assert!(duration >= 0.5, "{duration}");
    assert_eq!(
        count(&report, "/delivered") + count(&report, "/without_sender") + count(&report, "/lost"),
        count(&report, "/expected")
    );
}
