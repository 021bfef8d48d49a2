//! The sniff table (`JUDGE=sniff`): `conformance sniff` drafts a profile for every server of
//! the corpus (the seed, line and chunk; the reference server; the dialect fixtures), and the
//! draft is compared, as a parsed profile, with the hand-written one. Wording must match;
//! a behaviour key (echo, the joiner's or quitter's own line, no join or leave lines, a
//! re-prompted bad name) may differ only where the draft flags it with an `# OBSERVED:`
//! comment. Core runs with either profile, and the JSON statuses are compared. At least
//! 80 % of the corpus must draft without any wording difference.
//!
//! Then the same for every catalogued buggy server (each `--bug` of the seed, each bug
//! planted in a dialect fixture): sniff drafts from the buggy server itself, and the tests
//! that can catch the bug, run with that draft, must still fail — a draft never makes a
//! planted bug pass. Last, hostile servers: sniff must give up with exit 1 or 2, in time.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chat_test_support::root;
use conformance::profile::Profile;

use crate::catalogue::Bug;
use crate::planted::Plan;
use crate::run::{Catch, Outcome, Run, pool, run_all};
use crate::{DIALECTS, caught, fixture_run, runnable, seed_run};

/// Sniffs at once: they mostly wait for what does not come.
const SNIFF_PARALLEL: usize = 6;
/// Longest a sniff of a hostile server may take.
const HOSTILE_BOUND: Duration = Duration::from_secs(30);
/// Share of the corpus whose drafts must have the hand-written wording.
const EQUAL_SHARE: f64 = 0.8;

/// A server to sniff, and what its draft is judged against.
struct Case {
    name: String,
    /// The server, for `sniff` and the runs (`{port}` included).
    server: Run,
    /// A buggy server: the tests that must still fail with the draft, and at what level.
    bug: Option<(Catch, Vec<String>, &'static str)>,
}

/// What `sniff` gave.
struct Sniffed {
    exit: Option<i32>,
    text: String,
    stderr: String,
    took: Duration,
}

fn sniff(server_cmd: &str) -> Sniffed {
    let started = Instant::now();
    let out = crate::run::conformance()
        .args(["sniff", "--no-check", "--server-cmd", server_cmd])
        .output()
        .expect("conformance sniff runs");
    Sniffed {
        exit: out.status.code(),
        text: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        took: started.elapsed(),
    }
}

/// Where a draft is kept, to be run with `--profile` and read by hand.
fn draft_path(name: &str) -> PathBuf {
    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sniff");
    std::fs::create_dir_all(&folder).expect("the drafts' folder can be made");
    folder.join(format!("{name}.toml"))
}

/// The keys on which two profiles differ, as parsed. A prompt is compared without its
/// final newline (consumed either way: PROTOCOL.md §11).
fn differing_keys(hand: &Profile, draft: &Profile) -> Vec<&'static str> {
    let source = |t: &Option<conformance::profile::Template>| t.as_ref().map(|t| t.source().to_string());
    let sources = |ts: &[conformance::profile::Template]| ts.iter().map(|t| t.source().to_string()).collect::<Vec<_>>();
    let prompt = |p: &Profile| p.prompt.trim_end_matches(['\n', '\r']).to_string();
    let checks: [(&'static str, bool); 16] = [
        ("framing", hand.framing == draft.framing),
        ("quit", source(&hand.quit) == source(&draft.quit)),
        ("prompt", prompt(hand) == prompt(draft)),
        ("welcome", sources(&hand.welcome) == sources(&draft.welcome)),
        ("join", source(&hand.join) == source(&draft.join)),
        ("leave", source(&hand.leave) == source(&draft.leave)),
        ("chat", hand.chat.source() == draft.chat.source()),
        ("send", hand.send.source() == draft.send.source()),
        ("echo", hand.echo == draft.echo && source(&hand.own_echo) == source(&draft.own_echo)),
        ("announce_self", hand.announce_self == draft.announce_self),
        ("farewell", source(&hand.farewell) == source(&draft.farewell)),
        ("leave_to_self", hand.leave_to_self == draft.leave_to_self),
        ("error", hand.error.source() == draft.error.source()),
        ("reject", hand.reject == draft.reject),
        (
            "ignore",
            hand.ignore.iter().map(|r| r.as_str()).eq(draft.ignore.iter().map(|r| r.as_str())),
        ),
        ("strip_ansi", hand.strip_ansi == draft.strip_ansi),
    ];
    checks.into_iter().filter(|(_, same)| !same).map(|(key, _)| key).collect()
}

/// Whether `key` is a behaviour the hand-written profile relaxes (so the draft keeps the
/// protocol's value and must flag it).
fn is_behaviour(key: &str, hand: &Profile) -> bool {
    match key {
        "echo" | "announce_self" | "leave_to_self" | "reject" => true,
        "join" => hand.join.is_none(),
        "leave" => hand.leave.is_none(),
        _ => false,
    }
}

/// Whether the draft flags `key` with an `# OBSERVED:` comment naming the change.
fn flagged(key: &str, text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with("# OBSERVED:") && l.contains(&format!("set {key} =")))
}

/// Test id → status of a run.
fn statuses(outcome: &Outcome) -> BTreeMap<&str, &str> {
    outcome
        .tests
        .iter()
        .map(|t| (t.id.as_str(), t.status.as_str()))
        .collect()
}

/// The tests whose status differs between two runs (or why a run had no report).
fn status_differences(a: &Outcome, b: &Outcome) -> Vec<String> {
    if let Some(problem) = a.problem.as_ref().or(b.problem.as_ref()) {
        return vec![problem.clone()];
    }
    let (a, b) = (statuses(a), statuses(b));
    let ids: std::collections::BTreeSet<&str> = a.keys().chain(b.keys()).copied().collect();
    ids.into_iter()
        .filter(|id| a.get(id) != b.get(id))
        .map(|id| format!("{id}: {} → {}", a.get(id).unwrap_or(&"-"), b.get(id).unwrap_or(&"-")))
        .collect()
}

/// The corpus: every server with a hand-written profile.
fn corpus() -> Vec<Case> {
    let seed = |name: &str, args: &str, profile: &str| Case {
        name: name.to_string(),
        server: seed_run(args, profile, "core"),
        bug: None,
    };
    let reference = format!("{} serve-reference --port {{port}}", env!("CARGO_BIN_EXE_conformance"));
    let mut cases = vec![
        seed("seed", "", "fixtures/profiles/seed.toml"),
        seed("seed-chunk", "--framing chunk", "fixtures/profiles/seed-chunk.toml"),
        Case {
            name: "reference".into(),
            server: Run {
                server_cmd: reference,
                profile: "fixtures/profiles/reference.toml".into(),
                ..seed_run("", "", "core")
            },
            bug: None,
        },
    ];
    for fixture in DIALECTS.fixtures {
        let script = DIALECTS.source(fixture);
        if runnable(&script) {
            cases.push(Case {
                name: fixture.to_string(),
                server: fixture_run(&script, &DIALECTS, fixture, "core"),
                bug: None,
            });
        }
    }
    cases
}

/// Every catalogued buggy server: each `--bug` of the seed, each bug planted in a dialect
/// fixture.
fn buggy(bugs: &[Bug]) -> Vec<Case> {
    let mut cases: Vec<Case> = bugs
        .iter()
        .map(|bug| Case {
            name: format!("seed --bug {}", bug.name),
            server: seed_run(&format!("--bug {}", bug.name), "fixtures/profiles/seed.toml", bug.level),
            bug: Some((bug.catch.clone(), bug.filters(), bug.level)),
        })
        .collect();
    let dialect_bugs = DIALECTS.bugs(bugs.to_vec());
    for fixture in DIALECTS.fixtures {
        if !runnable(&DIALECTS.source(fixture)) {
            continue;
        }
        for (bug, plan) in dialect_bugs.iter().zip(DIALECTS.plans(fixture, &dialect_bugs)) {
            if let Plan::Patched(path) = plan {
                cases.push(Case {
                    name: format!("{fixture} + {}", bug.name),
                    server: fixture_run(&path, &DIALECTS, fixture, bug.level),
                    bug: Some((bug.catch.clone(), bug.filters(), bug.level)),
                });
            }
        }
    }
    cases
}

/// The hostile servers, each a mode of `fixtures/hostile/hostile_server.py`.
const HOSTILE: &[&str] = &["silent", "close", "garbage", "flood", "drip", "refuse-after-first"];

/// The sniff table; returns how many verdicts were wrong.
pub fn judge(bugs: &[Bug]) -> usize {
    let started = Instant::now();
    let corpus = corpus();
    let buggy = buggy(bugs);
    let hostile = root().join("fixtures/hostile/hostile_server.py");
    let hostile_cmds: Vec<String> = HOSTILE
        .iter()
        .map(|mode| format!("python3 {} --mode {mode} --port {{port}}", hostile.display()))
        .collect();
    let cases: Vec<&Case> = corpus.iter().chain(&buggy).collect();
    let sniffed = pool(&cases, SNIFF_PARALLEL, |case| sniff(&case.server.server_cmd));
    let hostile_sniffed = pool(&hostile_cmds, SNIFF_PARALLEL, |cmd| sniff(cmd));
    // The runs: per corpus server, core with the hand-written profile and with the draft;
    // per buggy server, the tests that can catch its bug, with the draft.
    let mut runs = Vec::new();
    for (case, sniffed) in cases.iter().zip(&sniffed) {
        let path = draft_path(&case.name.replace([' ', '+'], "_"));
        std::fs::write(&path, &sniffed.text).expect("the draft can be written");
        let draft = Run {
            profile: path.display().to_string(),
            server_cmd: case.server.server_cmd.clone(),
            level: case.server.level,
            filters: case.server.filters.clone(),
            skip: sniffed.exit != Some(0),
            isolate: case.bug.is_some(),
        };
        match &case.bug {
            None => {
                runs.push(Run {
                    server_cmd: draft.server_cmd.clone(),
                    profile: case.server.profile.clone(),
                    level: draft.level,
                    filters: Vec::new(),
                    skip: false,
                    isolate: false,
                });
                runs.push(draft);
            }
            Some((_, filters, _)) => runs.push(Run {
                filters: filters.clone(),
                ..draft
            }),
        }
    }
    let outcomes = run_all(&runs);
    let mut outcomes = outcomes.iter();
    let mut wrong = 0;
    let mut equal = 0;
    println!("\nProfiles drafted by `conformance sniff`, compared parsed with the hand-written ones; core run with each\n");
    println!("{:<14} {:>6} {:<40} {:<8} {}", "server", "sniff", "keys that differ (* = behaviour, flagged)", "verdict", "core statuses");
    for (case, sniffed) in corpus.iter().zip(&sniffed) {
        let hand_run = outcomes.next().expect("a hand-written run");
        let draft_run = outcomes.next().expect("a draft run");
        let hand = Profile::load(&root().join(&case.server.profile).display().to_string())
            .expect("the hand-written profile parses");
        let (keys, ok, same) = match Profile::parse("draft", &sniffed.text) {
            Err(e) => (format!("no draft: {}", one_line(&sniffed.stderr, &e.to_string())), false, String::new()),
            Ok(draft) => {
                let keys = differing_keys(&hand, &draft);
                let wording: Vec<&str> = keys.iter().copied().filter(|k| !is_behaviour(k, &hand)).collect();
                let unflagged: Vec<&str> = keys.iter().copied().filter(|k| is_behaviour(k, &hand) && !flagged(k, &sniffed.text)).collect();
                equal += usize::from(wording.is_empty());
                let differences = status_differences(hand_run, draft_run);
                // With the same wording and no behaviour relaxed, core must agree.
                let agree = !keys.is_empty() || differences.is_empty();
                let same = if differences.is_empty() {
                    format!("same ({})", draft_run.summary())
                } else {
                    format!("differ: {}", differences.join(", "))
                };
                let shown: Vec<String> = keys.iter().map(|k| if is_behaviour(k, &hand) { format!("{k}*") } else { k.to_string() }).collect();
                let mut shown = if shown.is_empty() { "(none)".to_string() } else { shown.join(" ") };
                if !unflagged.is_empty() {
                    shown.push_str(&format!(" UNFLAGGED: {}", unflagged.join(" ")));
                }
                (shown, unflagged.is_empty() && agree, same)
            }
        };
        wrong += usize::from(!ok);
        let mark = if ok { "ok" } else { "WRONG" };
        println!("{:<14} {:>5.1}s {keys:<40} {mark:<8} {same}", case.name, sniffed.took.as_secs_f64());
    }
    let share = equal as f64 / corpus.len().max(1) as f64;
    let enough = share >= EQUAL_SHARE;
    wrong += usize::from(!enough);
    println!(
        "\n{equal} of {} drafts have the hand-written wording ({:.0} %, at least {:.0} % needed): {}",
        corpus.len(),
        share * 100.0,
        EQUAL_SHARE * 100.0,
        if enough { "ok" } else { "WRONG" }
    );
    println!("\nBuggy servers: core with the draft must still fail in a test that can catch the bug\n");
    for (case, sniffed) in buggy.iter().zip(&sniffed[corpus.len()..]) {
        let outcome = outcomes.next().expect("a buggy run");
        let (catch, _, level) = case.bug.as_ref().expect("a buggy case");
        let verdict = if sniffed.exit == Some(0) {
            caught(outcome, |t| catch.covers(t))
        } else {
            crate::Verdict {
                ok: false,
                shown: format!("no draft: {}", one_line(&sniffed.stderr, "")),
            }
        };
        wrong += usize::from(!verdict.ok);
        let mark = if verdict.ok { "ok" } else { "WRONG" };
        println!("{:<30} {level:<7} {mark:<6} {}", case.name, verdict.shown);
    }
    println!("\nHostile servers: sniff must give up (exit 1 or 2) within {}s\n", HOSTILE_BOUND.as_secs());
    for (mode, sniffed) in HOSTILE.iter().zip(&hostile_sniffed) {
        let ok = matches!(sniffed.exit, Some(1 | 2)) && sniffed.took <= HOSTILE_BOUND;
        wrong += usize::from(!ok);
        let mark = if ok { "ok" } else { "WRONG" };
        println!(
            "{mode:<20} exit {:<4} {:>5.1}s {mark:<6} {}",
            sniffed.exit.map_or("-".into(), |c| c.to_string()),
            sniffed.took.as_secs_f64(),
            one_line(&sniffed.stderr, "")
        );
    }
    println!("\nsniff table: {:.0}s", started.elapsed().as_secs_f64());
    wrong
}

/// The last line of `stderr` (what sniff concluded), or `fallback`.
fn one_line(stderr: &str, fallback: &str) -> String {
    stderr.lines().last().unwrap_or(fallback).to_string()
}
