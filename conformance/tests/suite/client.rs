//! `conformance client`: its command line (`--list`, `--explain`, usage errors, bad
//! `[client]` keys), `--listen` for a client hard-coded to a port, and its reports in the
//! server suite's formats. Which clients it passes and which bugs it catches is the client
//! table of `tests/judgement/clients.rs`.

use predicates::prelude::*;
use serde_json::Value;

use crate::support::{conformance, path};

/// `--client-cmd` for a fixture client of `fixtures/clients/`, with extra arguments before
/// the address.
fn fixture_client(script: &str, extra: &str, address: &str) -> String {
    format!(
        "python3 {} {extra}{address}",
        path(&format!("fixtures/clients/{script}"))
    )
}

#[test]
fn list_shows_every_client_test_with_its_client_requirement() {
    let out = conformance().args(["client", "--list"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 13, "{text}");
    for line in &lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert!(fields[1] == "core" || fields[1] == "strict", "{line}");
        assert!(fields[2].starts_with("CLIENT-"), "{line}");
    }
    assert!(text.contains("receive.idle"), "{text}");
}

#[test]
fn explain_quotes_the_client_requirement_and_the_causes() {
    conformance()
        .args(["client", "--explain", "receive.idle"])
        .assert()
        .success()
        .stdout(predicate::str::contains("CLIENT-3 (MUST)"))
        .stdout(predicate::str::contains("no receiver thread"));
    conformance()
        .args(["client", "--explain", "join.single"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("conformance client --list"));
}

#[test]
fn running_needs_a_client_command_and_a_sound_client_table() {
    conformance()
        .args(["client", "--level", "core"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--client-cmd"));
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("bad.toml");
    std::fs::write(&profile, "[client]\nframing = \"lines\"\n").unwrap();
    conformance()
        .args(["client", "--client-cmd", "true", "--profile"])
        .arg(&profile)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("framing"));
    std::fs::write(&profile, "skip = [{ id = \"join\", reason = \"x\" }]\n").unwrap();
    conformance()
        .args(["client", "--client-cmd", "true", "--profile"])
        .arg(&profile)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("matches no client test"));
}

#[test]
fn listen_serves_a_client_hard_coded_to_a_port() {
    let port = chat_test_support::vacant_port();
    // The client is given the port here, as if it were written into its source.
    let client = fixture_client("seed_client.py", "", &format!("127.0.0.1 {port}"));
    conformance()
        .args([
            "client",
            "--client-cmd",
            &client,
            "--listen",
            &port.to_string(),
        ])
        .args(["--profile", &path("fixtures/clients/seed_client.toml")])
        .args(["--filter", "name.first", "--filter", "exit.unreachable"])
        .assert()
        .success()
        .stdout(predicate::str::contains("2 tests, 2 passed"));
}

#[test]
fn a_failing_client_is_reported_in_the_server_suites_formats() {
    let dir = tempfile::tempdir().unwrap();
    let (json, junit) = (dir.path().join("r.json"), dir.path().join("r.xml"));
    let client = fixture_client("buggy_client.py", "--bug no-receiver ", "{host} {port}");
    conformance()
        .args(["client", "--client-cmd", &client, "--seed", "7"])
        .args(["--profile", &path("fixtures/clients/seed_client.toml")])
        .args(["--filter", "receive.idle", "--filter", "typing.line"])
        .arg("--report")
        .arg(format!("json={}", json.display()))
        .arg("--report")
        .arg(format!("junit={}", junit.display()))
        .assert()
        .code(1);
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let status = |id: &str| {
        report["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .map(|t| t["status"].as_str().unwrap_or_default().to_owned())
    };
    assert_eq!(status("typing.line").as_deref(), Some("pass"), "{report}");
    assert_eq!(status("receive.idle").as_deref(), Some("fail"), "{report}");
    let detail = report.to_string();
    assert!(detail.contains("The client's screen"), "{detail}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<failure") && xml.contains("receive.idle"),
        "{xml}"
    );
}

#[test]
fn a_client_that_cannot_start_is_named_as_such() {
    conformance()
        .args([
            "client",
            "--client-cmd",
            "no-such-chat-client {host} {port}",
        ])
        .args(["--filter", "name.first", "--timeout-ms", "500"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "exited (status 127) without connecting",
        ));
}
