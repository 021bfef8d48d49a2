//! The suite's judgement, proved both ways (issue: "known-bad servers it must catch").
//!
//! Runs `conformance` against the faithful Python fixture servers (line and chunk framing),
//! which must pass core, and against every deliberately broken variant of
//! `fixtures/servers/seed_server.py --bug NAME`, each of which must fail — and fail in a test
//! of the group, or of a requirement, that names its bug. Each server is run with
//! `--isolate` (a fresh server per test), so a bug is credited to the tests about it, not to
//! every test after the room broke. Prints the sensitivity table: bug → the tests that
//! caught it.
//!
//! A plain `main` (harness = false) so the table is printed on every run.

use std::process::Command;
use std::sync::{Arc, Mutex};

use chat_test_support::root;
use serde_json::Value;

/// How many servers are judged at once. The runs mostly wait on timeouts, not the CPU.
const PARALLEL: usize = 4;
/// A fixed seed, so a failure here can be replayed exactly.
const SEED: &str = "20261126";

struct Case {
    /// `faithful`, `faithful (chunk)`, or the bug's name.
    name: String,
    server_args: String,
    profile: &'static str,
    level: &'static str,
    /// `None`: must pass. `Some`: must fail in one of these groups or requirements.
    caught_by: Option<(Vec<String>, Vec<String>)>,
}

struct Verdict {
    ok: bool,
    summary: String,
    failed: Vec<String>,
}

/// The bug catalogue, as `seed_server.py --list-bugs tsv` prints it: name, requirements,
/// groups, description, tab-separated.
fn bugs() -> Vec<Case> {
    let out = Command::new("python3")
        .arg(root().join("fixtures/servers/seed_server.py"))
        .args(["--list-bugs", "tsv"])
        .output()
        .expect("python3 runs the fixture server");
    assert!(out.status.success(), "--list-bugs failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.splitn(4, '\t').collect();
            assert_eq!(cols.len(), 4, "cannot read the catalogue line {line:?}");
            let list = |s: &str| -> Vec<String> {
                s.split(',')
                    .map(|x| x.trim().trim_end_matches(" (strict)").to_string())
                    .collect()
            };
            Case {
                name: cols[0].to_string(),
                server_args: format!("--bug {}", cols[0]),
                profile: "fixtures/profiles/seed.toml",
                level: if cols[1].contains("(strict)") {
                    "strict"
                } else {
                    "core"
                },
                caught_by: Some((list(cols[2]), list(cols[1]))),
            }
        })
        .collect()
}

fn judge(case: &Case) -> Verdict {
    let exe = env!("CARGO_BIN_EXE_conformance");
    let script = root().join("fixtures/servers/seed_server.py");
    let out = Command::new(exe)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .args([
            "--isolate",
            "--format",
            "json",
            "--seed",
            SEED,
            "--level",
            case.level,
        ])
        .args(["--profile", case.profile])
        .arg("--server-cmd")
        .arg(format!(
            "python3 {} --port {{port}} {}",
            script.display(),
            case.server_args
        ))
        .output()
        .expect("conformance runs");
    let report: Value = match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(_) => {
            return Verdict {
                ok: false,
                summary: format!(
                    "no report (exit {:?}): {}",
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
                failed: Vec::new(),
            };
        }
    };
    let failed: Vec<(String, String)> = report["tests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["status"] == "fail")
        .map(|t| {
            (
                t["id"].as_str().unwrap_or_default().to_string(),
                t["requirement"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let ids: Vec<String> = failed.iter().map(|(id, _)| id.clone()).collect();
    let s = &report["summary"];
    let summary = format!("{} passed, {} failed", s["passed"], s["failed"]);
    let ok = match &case.caught_by {
        None => out.status.code() == Some(0) && failed.is_empty(),
        Some((groups, requirements)) => {
            out.status.code() == Some(1)
                && failed.iter().any(|(id, requirement)| {
                    let group = id.split('.').next().unwrap_or_default();
                    groups.iter().any(|g| g == group)
                        || requirements.iter().any(|r| r == requirement)
                })
        }
    };
    Verdict {
        ok,
        summary,
        failed: ids,
    }
}

fn main() {
    let mut cases = vec![
        Case {
            name: "faithful".into(),
            server_args: String::new(),
            profile: "fixtures/profiles/seed.toml",
            level: "core",
            caught_by: None,
        },
        Case {
            name: "faithful (chunk)".into(),
            server_args: "--framing chunk".into(),
            profile: "fixtures/profiles/seed-chunk.toml",
            level: "core",
            caught_by: None,
        },
    ];
    cases.extend(bugs());
    let total = cases.len();
    let cases = Arc::new(cases);
    let verdicts: Arc<Mutex<Vec<Option<Verdict>>>> =
        Arc::new(Mutex::new((0..total).map(|_| None).collect()));
    let next = Arc::new(Mutex::new(0usize));
    let workers: Vec<_> = (0..PARALLEL)
        .map(|_| {
            let (cases, verdicts, next) = (cases.clone(), verdicts.clone(), next.clone());
            std::thread::spawn(move || {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        let i = *n;
                        *n += 1;
                        i
                    };
                    if i >= cases.len() {
                        break;
                    }
                    let verdict = judge(&cases[i]);
                    verdicts.lock().unwrap()[i] = Some(verdict);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("a judging thread panicked");
    }
    let verdicts = verdicts.lock().unwrap();
    println!("\nSensitivity of the conformance suite (seed {SEED}, one fresh server per test)\n");
    println!(
        "{:<20} {:<7} {:<26} {:<8} caught by",
        "server", "level", "must fail in", "verdict"
    );
    let mut passed = 0;
    for (case, verdict) in cases.iter().zip(verdicts.iter()) {
        let verdict = verdict.as_ref().expect("every case was judged");
        let expectation = match &case.caught_by {
            None => "(must pass)".to_string(),
            Some((groups, _)) => groups.join(", "),
        };
        let mark = if verdict.ok { "ok" } else { "WRONG" };
        passed += usize::from(verdict.ok);
        let caught = if verdict.failed.is_empty() {
            verdict.summary.clone()
        } else {
            verdict.failed.join(" ")
        };
        println!(
            "{:<20} {:<7} {:<26} {:<8} {}",
            case.name, case.level, expectation, mark, caught
        );
    }
    println!("\n{passed} passed, {} failed", total - passed);
    if passed != total {
        std::process::exit(1);
    }
}
