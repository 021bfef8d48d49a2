//! The client suite's judgement (`conformance client`): the reference client must pass
//! strict, the faithful seed-style client (`fixtures/clients/seed_client.py`) core, and each
//! bug of `fixtures/clients/buggy_client.py --bug NAME` must be caught by the test named for
//! it — a test the same client without the bug passes. Prints the table.

use chat_test_support::{reference_client_binary, root};

use crate::run::{Execute, Outcome, SEED, conformance, outcome_of, run_all};
use crate::{Verdict, caught, passes, print_row};

/// The seed-style clients' profile: one send() per message, `salir`.
const SEED_PROFILE: &str = "fixtures/clients/seed_client.toml";

/// Each bug of `buggy_client.py`, the level it belongs to, and the test that must catch it.
const BUGS: &[(&str, &str, &str)] = &[
    ("no-receiver", "core", "receive.idle"),
    ("receiver-dies", "core", "closed.says_so"),
    ("busy-loop", "core", "closed.no_spin"),
    ("no-quit-send", "core", "exit.quit_word"),
    ("name-not-first", "core", "name.first"),
    ("no-close", "core", "exit.quit_word"),
    ("raw-escapes", "strict", "receive.escapes"),
];

/// One run of `conformance client`.
struct ClientRun {
    command: String,
    profile: &'static str,
    level: &'static str,
    filters: Vec<&'static str>,
}

impl Execute for ClientRun {
    fn execute(&self) -> Outcome {
        let mut command = conformance();
        command
            .args(["client", "--format", "json", "--seed", SEED])
            // Python clients start slowly on a busy machine; the bugs caught here do not
            // depend on the bound.
            .args(["--timeout-ms", "4000"])
            .args(["--level", self.level, "--profile", self.profile])
            .args(["--client-cmd", &self.command]);
        for filter in &self.filters {
            command.args(["--filter", filter]);
        }
        outcome_of(command)
    }
}

fn python(script: &str, args: &str) -> String {
    let path = root().join("fixtures/clients").join(script);
    format!("python3 {} {args}{{host}} {{port}}", path.display())
}

/// Judges the clients and prints the table; returns how many were judged wrong.
pub fn judge() -> usize {
    let reference = format!(
        "{} --host {{host}} --port {{port}}",
        reference_client_binary().display()
    );
    let catching: Vec<&str> = BUGS.iter().map(|(_, _, test)| *test).collect();
    let mut runs = vec![
        ClientRun {
            command: reference,
            profile: "reference",
            level: "strict",
            filters: Vec::new(),
        },
        ClientRun {
            command: python("seed_client.py", ""),
            profile: SEED_PROFILE,
            level: "core",
            filters: Vec::new(),
        },
        // The baseline: without a bug, the buggy client passes every test that catches one.
        ClientRun {
            command: python("buggy_client.py", ""),
            profile: SEED_PROFILE,
            level: "strict",
            filters: catching,
        },
    ];
    runs.extend(BUGS.iter().map(|(bug, level, test)| ClientRun {
        command: python("buggy_client.py", &format!("--bug {bug} ")),
        profile: SEED_PROFILE,
        level,
        filters: vec![test],
    }));
    let outcomes = run_all(&runs);
    println!("\nSensitivity of the client suite (seed {SEED}, one client per test)\n");
    println!(
        "{:<28} {:<7} {:<18} {:<8} caught by",
        "client", "level", "must fail in", "verdict"
    );
    let mut wrong = 0;
    let mut line = |name: &str, level: &str, expectation: &str, verdict: Verdict| {
        wrong += usize::from(!verdict.ok);
        let mark = if verdict.ok { "ok" } else { "WRONG" };
        let row = format!(
            "{name:<28} {level:<7} {expectation:<18} {mark:<8} {}",
            verdict.shown
        );
        print_row("clients", &row, verdict.ok, &verdict.why);
    };
    line(
        "reference-client",
        "strict",
        "(must pass)",
        passes(&outcomes[0]),
    );
    line(
        "seed_client.py",
        "core",
        "(must pass)",
        passes(&outcomes[1]),
    );
    line(
        "buggy_client.py (no bug)",
        "strict",
        "(must pass these)",
        passes(&outcomes[2]),
    );
    for ((bug, level, test), outcome) in BUGS.iter().zip(&outcomes[3..]) {
        let verdict = caught(outcome, |t| t.id == *test);
        line(&format!("--bug {bug}"), level, test, verdict);
    }
    wrong
}
