//! `conformance sniff` from the command line: only the TOML on stdout (or in `--output`), the
//! quick check's verdict on stderr, exit 2 for a target that is not there; an echo kept at
//! the protocol's value and blamed for the failures it causes; a draft even when the steps
//! that can hurt a fragile server kill it. The drafts themselves are judged against the
//! hand-written profiles by the judgement's sniff table.

use std::time::{Duration, Instant};

use conformance::profile::Profile;
use predicates::prelude::*;

use crate::support::{conformance, path, seed_server};

/// `--server-cmd` for the server from the wild `fixtures/wild/NAME.py`.
fn wild(name: &str) -> String {
    format!(
        "python3 {} --port {{port}}",
        path(&format!("fixtures/wild/{name}.py"))
    )
}

#[test]
fn a_draft_goes_to_its_file_and_the_verdict_to_stderr() {
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sniffed-seed.toml");
    let _ = std::fs::remove_file(&file);
    let out = conformance()
        .args(["sniff", "--server-cmd", &seed_server("")])
        .arg("--output")
        .arg(&file)
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("good enough to run the suite"));
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("pass broadcast.basic"), "{stderr}");
    let text = std::fs::read_to_string(&file).unwrap();
    let draft = Profile::parse("draft", &text).expect("the draft parses");
    assert_eq!(draft.chat.source(), "[{user}] {text}");
    assert_eq!(draft.prompt, "Ingresa tu nombre de usuario: ");
    assert!(
        text.contains("# anaqx received \"*** betoqx entró a la sala ***\" when betoqx joined"),
        "{text}"
    );
}

#[test]
fn an_unreachable_target_exits_2_with_nothing_on_stdout() {
    let port = chat_test_support::vacant_port();
    let started = Instant::now();
    conformance()
        .args(["sniff", "--target", &format!("127.0.0.1:{port}")])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("cannot reach"));
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// `echo_server.py` sends every message back to its sender too. The draft keeps echo off
/// (CHAT-2) and says what it saw; the quick check's failures say what was expected, what
/// came, and that the observed echo may be why.
#[test]
fn an_echo_is_kept_at_the_protocols_value_and_named_beside_the_failures_it_causes() {
    let out = conformance()
        .args(["sniff", "--server-cmd", &wild("echo_server")])
        .assert()
        .code(0);
    let output = out.get_output();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let draft = Profile::parse("draft", &text).expect("the draft parses");
    assert!(!draft.echo, "{text}");
    assert_eq!(draft.chat.source(), "<{user}> {text}");
    assert!(
        text.contains("# OBSERVED: anaqx received its own \"<anaqx> hola7k\" back."),
        "{text}"
    );
    assert!(
        text.contains("(CHAT-2)"),
        "a requirement id is never split: {text}"
    );
    assert!(
        stderr.contains(
            "FAIL broadcast.no_echo (CHAT-2): expected ana never receives its own `eco?`; \
             actual: ana received it once"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("(the draft OBSERVED: echo)"), "{stderr}");
    assert!(stderr.contains("needs a look before the suite"), "{stderr}");
}

/// `accept_loop_name.py` dies when a client closes before its name, the first of the steps
/// that can hurt a fragile server. The room was probed before them: the draft is printed,
/// with its wording, and a comment says which step stopped and what the suite will check.
#[test]
fn a_server_killed_by_a_fragile_step_still_gets_its_draft() {
    let out = conformance()
        .args([
            "sniff",
            "--no-check",
            "--server-cmd",
            &wild("accept_loop_name"),
        ])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let draft = Profile::parse("draft", &text).expect("the draft parses");
    let hand = Profile::load(&path("fixtures/wild/accept_loop_name.toml")).expect("parses");
    assert_eq!(draft.chat.source(), hand.chat.source(), "{text}");
    assert_eq!(draft.prompt, hand.prompt, "{text}");
    let stopped = text
        .lines()
        .skip_while(|l| !l.starts_with("# UNSURE: the steps that can hurt a fragile server"))
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ");
    // The server dies as the nameless client closes; how the next connection finds it
    // (closed before the name, refused, reset) is the scheduler's: the comment quotes it.
    assert!(stopped.contains("stopped: the server"), "{text}");
    assert!(stopped.contains("(JOIN-7, INPUT-2, LEAVE-2)"), "{text}");
}
