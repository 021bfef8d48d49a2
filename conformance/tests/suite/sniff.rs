//! `conformance sniff` from the command line: only the TOML on stdout (or in `--output`), the
//! quick check's verdict on stderr, exit 2 for a target that is not there. The drafts
//! themselves are judged against the hand-written profiles by the judgement's sniff table.

use std::time::{Duration, Instant};

use conformance::profile::Profile;
use predicates::prelude::*;

use crate::support::{conformance, seed_server};

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
