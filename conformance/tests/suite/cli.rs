//! The command-line contract: scripts and CI rely on exactly these behaviours.

use std::time::{Duration, Instant};

use predicates::prelude::*;

use crate::support::{conformance, path};

#[test]
fn list_prints_one_test_per_line_id_first() {
    let out = conformance().arg("--list").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 30, "only {} tests listed", lines.len());
    for line in &lines {
        let mut fields = line.split_whitespace();
        let id = fields.next().unwrap_or_default();
        let level = fields.next().unwrap_or_default();
        assert!(id.contains('.'), "{line}");
        assert!(level == "core" || level == "strict", "{line}");
    }
    assert!(text.contains("join.single"));
    assert!(text.contains("slow.consumer"));
}

/// The level and requirement columns start at the same place on every line, whatever the
/// lengths of the ids and levels before them.
#[test]
fn list_aligns_its_columns() {
    let out = conformance()
        .args(["--list", "--level", "strict"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let column = |line: &str, field: usize| {
        let mut at = 0;
        let mut rest = line;
        for _ in 0..field {
            let word = rest.find(' ').unwrap_or(rest.len());
            let gap = rest[word..].len() - rest[word..].trim_start().len();
            at += word + gap;
            rest = &rest[word + gap..];
        }
        at
    };
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        text.contains(" core ") && text.contains(" strict "),
        "{text}"
    );
    for field in [1, 2, 3] {
        let starts: std::collections::BTreeSet<usize> =
            lines.iter().map(|l| column(l, field)).collect();
        assert_eq!(
            starts.len(),
            1,
            "column {field} starts at {starts:?}:\n{text}"
        );
    }
}

/// `--explain` takes a test id, a group or a requirement id (in any case).
#[test]
fn explain_takes_a_group_or_a_requirement() {
    let listed = conformance()
        .args(["--list", "--level", "strict"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    let explained = |what: &str| {
        let out = conformance().args(["--explain", what]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "--explain {what}: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut ids: Vec<String> = text
            .lines()
            .filter(|l| l.contains(") — "))
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .collect();
        ids.sort();
        ids
    };
    let listed_where = |keep: &dyn Fn(&[&str]) -> bool| {
        let mut ids: Vec<String> = listed
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|fields| keep(fields))
            .map(|fields| fields[0].to_owned())
            .collect();
        ids.sort();
        ids
    };
    let leave = listed_where(&|f| f[0].starts_with("leave."));
    assert!(leave.len() > 1, "{listed}");
    assert_eq!(explained("leave"), leave);
    let leave_1 = listed_where(&|f| f[2] == "LEAVE-1");
    assert!(!leave_1.is_empty(), "{listed}");
    assert_eq!(explained("LEAVE-1"), leave_1);
    assert_eq!(explained("leave-1"), leave_1);
    assert_eq!(explained("leave.quit"), ["leave.quit"]);
}

#[test]
fn explain_of_a_misspelt_id_suggests_the_closest() {
    conformance()
        .args(["--explain", "join.singel"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no test has the id, group or requirement `join.singel`; did you mean `join.single`?",
        ));
    conformance()
        .args(["--explain", "LEAVE-9"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `LEAVE-"));
}

#[test]
fn explain_prints_the_requirement_steps_and_causes() {
    conformance()
        .args(["--explain", "broadcast.no_echo"])
        .assert()
        .success()
        .stdout(predicate::str::contains("CHAT-2 (MUST)"))
        .stdout(predicate::str::contains("What the test does"))
        .stdout(predicate::str::contains("Usual causes of failure"));
}

#[test]
fn explain_quotes_the_requirement_in_the_profiles_wording() {
    conformance()
        .args(["--explain", "broadcast.basic"])
        .args(["--profile", "fixtures/wild/ChatServer.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("`[{user}]: {text}`"))
        .stdout(predicate::str::contains("`{user}: {text}`").not());
}

#[test]
fn explain_of_an_unknown_id_is_a_usage_error() {
    conformance()
        .args(["--explain", "zzz"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no test has the id, group or requirement `zzz`",
        ))
        .stderr(predicate::str::contains("did you mean").not());
}

#[test]
fn bad_options_exit_2() {
    for args in [
        vec!["--level", "extreme"],
        vec!["--format", "xml"],
        vec!["--timeout-ms", "0"],
        vec!["--timeout-scale", "0"],
        vec!["--target", "a:1", "--server-cmd", "x {port}"],
        vec!["--frobnicate"],
    ] {
        conformance().args(&args).assert().code(2);
    }
}

#[test]
fn a_bad_profile_exits_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("bad.toml");
    std::fs::write(&profile, "chat = \"{user} says\"\n").unwrap();
    conformance()
        .args([
            "--profile",
            profile.to_str().unwrap(),
            "--target",
            "127.0.0.1:9",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("key `chat`: must contain {text}"));
    conformance()
        .args(["--profile", "no-such-profile"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown profile `no-such-profile`",
        ));
}

/// A misspelt key is named with the parser's line and caret, and the key it is closest to.
#[test]
fn a_misspelt_profile_key_gets_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("typo.toml");
    std::fs::write(&profile, "quit = \"salir\"\nwelcom = \"hola {user}\"\n").unwrap();
    let out = conformance()
        .args(["--profile", profile.to_str().unwrap(), "--list"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let want = [
        "line 2, column 1",
        "2 | welcom = \"hola {user}\"",
        "  | ^^^^^^",
        "unknown field `welcom`",
        "did you mean `welcome`?",
    ];
    for line in want {
        assert!(stderr.contains(line), "{line:?} not in:\n{stderr}");
    }
    assert!(stderr.ends_with("did you mean `welcome`?\n"), "{stderr}");
}

#[test]
fn an_unreachable_target_exits_2_quickly_with_one_line() {
    // A port that was free a moment ago: nothing listens there.
    let port = chat_test_support::vacant_port();
    let started = Instant::now();
    let out = conformance()
        .args(["--target", &format!("127.0.0.1:{port}")])
        .assert()
        .code(2);
    assert!(started.elapsed() < Duration::from_secs(10));
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_server_command_that_dies_at_once_exits_2() {
    conformance()
        .args([
            "--server-cmd",
            "python3 -c 'import sys; sys.exit(3)' {port}",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("exit"));
}

#[test]
fn a_filter_that_matches_nothing_is_a_usage_error() {
    conformance()
        .args(["--filter", "no-such-test", "--target", "127.0.0.1:9"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no test matches"));
}

#[test]
fn a_broken_scenario_file_exits_2_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.chat");
    std::fs::write(&file, "test a.b\nrequirement CHAT-1\nana dances\n").unwrap();
    conformance()
        .args(["--scenario", file.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.chat:3: unknown step `dances`",
        ));
}

#[test]
fn the_fixture_profiles_load() {
    for profile in ["reference", "seed", "seed-chunk"] {
        conformance()
            .args([
                "--profile",
                &path(&format!("fixtures/profiles/{profile}.toml")),
                "--list",
            ])
            .assert()
            .success();
    }
}

#[test]
fn skip_rules_name_requirements_and_groups_and_must_name_something() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "skip = [{ id = \"SLOW-1\", reason = \"no queues\" }, \
         { id = \"scale\", reason = \"small machine\" }]\n",
    )
    .unwrap();
    let out = conformance()
        .args(["--profile", good.to_str().unwrap(), "--list"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let skipped: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("[skipped by the profile"))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(skipped.contains(&"slow.consumer"), "{text}");
    assert!(skipped.iter().any(|id| id.starts_with("scale.")), "{text}");
    assert!(
        skipped
            .iter()
            .all(|id| id.starts_with("scale.") || id.starts_with("slow.")),
        "{text}"
    );

    let typo = dir.path().join("typo.toml");
    std::fs::write(&typo, "skip = [{ id = \"SLOW-9\", reason = \"typo\" }]\n").unwrap();
    conformance()
        .args(["--profile", typo.to_str().unwrap(), "--list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the skip rule `SLOW-9` matches no test",
        ));
}

#[test]
fn two_scenarios_with_one_id_are_a_usage_error() {
    let greeting = path("fixtures/scenarios/greeting.chat");
    conformance()
        .args(["--scenario", &greeting, "--scenario", &greeting, "--list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "two tests have the id `scenario.greeting`",
        ));
}

#[test]
fn explain_of_a_scenario_prints_its_steps() {
    conformance()
        .args(["--explain", "cleanup.rejoin"])
        .assert()
        .success()
        .stdout(predicate::str::contains("beto quits"))
        .stdout(predicate::str::contains("ana sees CHAT beto volví"));
}

/// The JSON report names the version of the suite that wrote it: the one `--version` prints.
#[test]
fn the_json_report_names_the_suites_version() {
    let version = conformance().arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&version.stdout).into_owned();
    let version = version
        .split_whitespace()
        .nth(1)
        .expect("conformance VERSION");
    let out = conformance()
        .args(["--filter", "join.single", "--format", "json"])
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(report["conformance_version"], version, "{report}");
}

/// A `level strict` scenario file run at the default level is reported as skipped with the
/// level that runs it, not dropped with a complaint about a filter nobody typed.
#[test]
fn a_strict_scenario_at_core_is_reported_as_skipped() {
    let strict = path("fixtures/scenarios/terminal_escape.chat");
    let out = conformance()
        .args(["--scenario", &strict, "--format", "json"])
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let tests = report["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 1, "{report}");
    assert_eq!(tests[0]["id"], "scenario.terminal_escape");
    assert_eq!(tests[0]["status"], "skip");
    let detail = tests[0]["detail"].as_str().unwrap();
    assert!(detail.contains("run with --level strict"), "{detail}");
    assert_eq!(report["summary"]["skipped"], 1);

    let core = path("fixtures/scenarios/greeting.chat");
    let out = conformance()
        .args(["--scenario", &strict, "--scenario", &core])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("PASS  scenario.greeting"), "{text}");
    assert!(text.contains("SKIP  scenario.terminal_escape"), "{text}");
}

/// A spawned server that never listens on its port: the error quotes what it printed, so a
/// port written into its code shows at once. (A shell, not Python: the listen timeout is
/// scaled down to 2 s, and a loaded machine can take longer than that to start Python. The
/// unbuffered Python output is the process module's unit test.)
#[test]
fn a_server_that_never_listens_is_quoted_in_the_error() {
    let server = "sh -c 'echo serving on 0.0.0.0:9002; exec sleep 60' {port}";
    let started = Instant::now();
    conformance()
        .args(["--server-cmd", server, "--timeout-scale", "0.2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did not accept connections on port",
        ))
        .stderr(predicate::str::contains(
            "; it printed \"serving on 0.0.0.0:9002\"",
        ));
    assert!(started.elapsed() < Duration::from_secs(30));
}
