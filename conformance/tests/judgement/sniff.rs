//! The sniff table (`JUDGE=sniff`): `conformance sniff` drafts a profile for every server of
//! the corpus (the seed, line and chunk; the reference server; the dialect fixtures; the
//! servers from the wild), and the draft is compared, as a parsed profile, with the
//! hand-written one. Wording must match; a behaviour key (echo, the joiner's or quitter's
//! own line, no join or leave lines, a re-prompted bad name) may differ only where the draft
//! flags it with an `# OBSERVED:` comment. Where the profiles differ, core runs with either
//! and the JSON statuses are compared (profiles that parse the same give the same run: it
//! is not made twice). At least 80 % of the corpus must draft without any wording
//! difference.
//!
//! Then every catalogued buggy server (each `--bug` of the seed, each bug planted in a
//! dialect or classic fixture): sniff drafts from the buggy server itself, and the tests
//! that can catch the bug, run with that draft, must still fail — a draft never makes a
//! planted bug pass. A draft that parses as the hand-written profile gives the run the bug
//! tables judge already; `JUDGE=sniff-all` makes it again anyway. Last, hostile servers and a server that is no chat server: sniff must
//! give up with exit 1 or 2, in time.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chat_test_support::root;
use conformance::profile::Profile;

use crate::catalogue::Bug;
use crate::planted::{Corpus, Plan};
use crate::run::{Catch, Outcome, Run, pool, run_all};
use crate::{CLASSICS, DIALECTS, caught, fixture_run, print_row, runnable, seed_run};

/// Sniffs at once: they mostly wait for what does not come (alone, the table took 354 s
/// with 4 and 278 s with 8; 6, as it runs beside the other tests of `make test`).
const SNIFF_PARALLEL: usize = 6;
/// Longest a sniff of a hostile server may take.
const HOSTILE_BOUND: Duration = Duration::from_secs(30);
/// Share of the corpus whose drafts must have the hand-written wording.
const EQUAL_SHARE: f64 = 0.8;

/// The servers from the wild with a profile that describes them (`http_responder` is no
/// chat server: it is among the targets sniff must give up on).
const WILD: Corpus = Corpus {
    title: "Servers from the wild",
    folder: "fixtures/wild",
    fixtures: &[
        "accept_loop_name",
        "asyncio_no_joins",
        "classic_lines",
        "classic_recv",
        "echo_server",
        "makefile_strip",
        "null_leaves",
        "racy_every_other",
        "recv_prefix",
        "select_server",
        "status_lines",
        "traceback_handler",
        "ChatServer",
    ],
    patches: "",
    complete: false,
};

/// Hand-written profiles that leave something out on purpose, and the one the table
/// compares with instead: `status_lines.toml` does not describe the server's status lines,
/// for `conformance load` to count them as unparsed.
const DESCRIBED: &[(&str, &str)] = &[("status_lines", "fixtures/wild/status_lines.described.toml")];

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

/// The keys on which two profiles differ, as parsed (every key that changes a run). A prompt is compared without its
/// final newline (consumed either way: PROTOCOL.md §11).
fn differing_keys(hand: &Profile, draft: &Profile) -> Vec<&'static str> {
    let source =
        |t: &Option<conformance::profile::Template>| t.as_ref().map(|t| t.source().to_string());
    let sources = |ts: &[conformance::profile::Template]| {
        ts.iter()
            .map(|t| t.source().to_string())
            .collect::<Vec<_>>()
    };
    let prompt = |p: &Profile| p.prompt.trim_end_matches(['\n', '\r']).to_string();
    let skipped = |p: &Profile| p.skip.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    let checks: [(&'static str, bool); 18] = [
        ("framing", hand.framing == draft.framing),
        ("quit", source(&hand.quit) == source(&draft.quit)),
        ("prompt", prompt(hand) == prompt(draft)),
        ("welcome", sources(&hand.welcome) == sources(&draft.welcome)),
        ("join", source(&hand.join) == source(&draft.join)),
        ("leave", source(&hand.leave) == source(&draft.leave)),
        ("chat", hand.chat.source() == draft.chat.source()),
        ("send", hand.send.source() == draft.send.source()),
        (
            "echo",
            hand.echo == draft.echo && source(&hand.own_echo) == source(&draft.own_echo),
        ),
        ("announce_self", hand.announce_self == draft.announce_self),
        (
            "farewell",
            source(&hand.farewell) == source(&draft.farewell),
        ),
        ("leave_to_self", hand.leave_to_self == draft.leave_to_self),
        ("error", hand.error.source() == draft.error.source()),
        ("reject", hand.reject == draft.reject),
        (
            "ignore",
            hand.ignore
                .iter()
                .map(|r| r.as_str())
                .eq(draft.ignore.iter().map(|r| r.as_str())),
        ),
        ("strip_ansi", hand.strip_ansi == draft.strip_ansi),
        // Not drafted: a hand-written value makes the runs differ.
        ("pace_ms", hand.pace_ms == draft.pace_ms),
        ("skip", skipped(hand) == skipped(draft)),
    ];
    checks
        .into_iter()
        .filter(|(_, same)| !same)
        .map(|(key, _)| key)
        .collect()
}

/// Whether `key` is a behaviour the hand-written profile relaxes (so the draft keeps the
/// protocol's value and must flag it).
fn is_behaviour(key: &str, hand: &Profile) -> bool {
    match key {
        "echo" | "announce_self" | "leave_to_self" | "reject" => true,
        "join" => hand.join.is_none(),
        "quit" => hand.quit.is_none(),
        "leave" => hand.leave.is_none(),
        _ => false,
    }
}

/// Whether the draft flags `key` with an `# OBSERVED:` comment naming the change.
fn flagged(key: &str, text: &str) -> bool {
    comments(text)
        .iter()
        .any(|c| c.starts_with("OBSERVED:") && c.contains(&format!("set {key} =")))
}

/// The draft's comments, each whole: a wrapped comment's continuation lines (`#   …`)
/// joined to its first line.
fn comments(text: &str) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for line in text.lines() {
        match (
            line.strip_prefix("#   "),
            line.strip_prefix("# "),
            all.last_mut(),
        ) {
            (Some(more), _, Some(last)) => {
                last.push(' ');
                last.push_str(more.trim_start());
            }
            (_, Some(first), _) => all.push(first.to_string()),
            _ => {}
        }
    }
    all
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
        .map(|id| {
            format!(
                "{id}: {} → {}",
                a.get(id).unwrap_or(&"-"),
                b.get(id).unwrap_or(&"-")
            )
        })
        .collect()
}

/// The corpus: every server with a hand-written profile.
fn corpus() -> Vec<Case> {
    let seed = |name: &str, args: &str, profile: &str| Case {
        name: name.to_string(),
        server: seed_run(args, profile, "core"),
        bug: None,
    };
    let reference = format!(
        "{} serve-reference --port {{port}}",
        env!("CARGO_BIN_EXE_conformance")
    );
    let mut cases = vec![
        seed("seed", "", "fixtures/profiles/seed.toml"),
        seed(
            "seed-chunk",
            "--framing chunk",
            "fixtures/profiles/seed-chunk.toml",
        ),
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
    for corpus in [&DIALECTS, &WILD] {
        for fixture in corpus.fixtures {
            let script = corpus.source(fixture);
            if !runnable(&script) {
                continue;
            }
            let mut server = fixture_run(&script, corpus, fixture, "core");
            if let Some((_, profile)) = DESCRIBED.iter().find(|(name, _)| name == fixture) {
                server.profile = profile.to_string();
            }
            cases.push(Case {
                name: fixture.to_string(),
                server,
                bug: None,
            });
        }
    }
    cases
}

/// Every catalogued buggy server: each `--bug` of the seed and each bug planted in a dialect
/// or classic fixture.
fn buggy(bugs: &[Bug]) -> Vec<Case> {
    let mut cases: Vec<Case> = bugs
        .iter()
        .map(|bug| Case {
            name: format!("seed --bug {}", bug.name),
            server: Run {
                repeat: bug.attempts(),
                ..seed_run(
                    &format!("--bug {}", bug.name),
                    "fixtures/profiles/seed.toml",
                    bug.level,
                )
            },
            bug: Some((bug.catch.clone(), bug.filters(), bug.level)),
        })
        .collect();
    for corpus in [&DIALECTS, &CLASSICS] {
        let corpus_bugs = corpus.bugs(bugs.to_vec());
        for fixture in corpus.fixtures {
            if !runnable(&corpus.source(fixture)) {
                continue;
            }
            for (bug, plan) in corpus_bugs.iter().zip(corpus.plans(fixture, &corpus_bugs)) {
                if let Plan::Patched(path) = plan {
                    cases.push(Case {
                        name: format!("{fixture} + {}", bug.name),
                        server: Run {
                            repeat: bug.attempts(),
                            ..fixture_run(&path, corpus, fixture, bug.level)
                        },
                        bug: Some((bug.catch.clone(), bug.filters(), bug.level)),
                    });
                }
            }
        }
    }
    cases
}

/// The hostile servers, each a mode of `fixtures/hostile/hostile_server.py`, and a server
/// from the wild that is no chat server.
const HOSTILE: &[&str] = &[
    "silent",
    "close",
    "garbage",
    "flood",
    "drip",
    "refuse-after-first",
    NOT_CHAT,
];

/// `fixtures/wild/http_responder.py`: answers like `python3 -m http.server`.
const NOT_CHAT: &str = "http_responder";

/// A case after sniffing: its draft, parsed, and how it differs from the hand-written profile.
struct Judged<'a> {
    case: &'a Case,
    sniffed: Sniffed,
    /// The draft's file, for `--profile`.
    path: PathBuf,
    /// The keys that differ, or why there is no draft.
    keys: Result<Vec<&'static str>, String>,
    hand: Profile,
}

impl Judged<'_> {
    fn behaviour(&self, key: &str) -> bool {
        is_behaviour(key, &self.hand)
    }

    /// A run of this case's server with `profile`, at its level, of `filters`.
    fn run(&self, profile: String, filters: Vec<String>, isolate: bool) -> Run {
        Run {
            server_cmd: self.case.server.server_cmd.clone(),
            profile,
            level: self.case.server.level,
            filters,
            skip: false,
            isolate,
            repeat: self.case.server.repeat,
        }
    }

    /// The last three lines sniff wrote on stderr (its verdict), for a WRONG row.
    fn stderr_tail(&self) -> Vec<String> {
        let lines: Vec<&str> = self.sniffed.stderr.lines().collect();
        let tail = &lines[lines.len().saturating_sub(3)..];
        tail.iter().map(|l| format!("sniff: {l}")).collect()
    }

    fn draft_run(&self, filters: Vec<String>, isolate: bool) -> Run {
        self.run(self.path.display().to_string(), filters, isolate)
    }

    fn hand_run(&self, filters: Vec<String>, isolate: bool) -> Run {
        self.run(self.case.server.profile.clone(), filters, isolate)
    }
}

fn judged(case: &Case, sniffed: Sniffed) -> Judged<'_> {
    let path = draft_path(&case.name.replace([' ', '+'], "_"));
    std::fs::write(&path, &sniffed.text).expect("the draft can be written");
    let hand = Profile::load(&root().join(&case.server.profile).display().to_string())
        .expect("the hand-written profile parses");
    let keys = if sniffed.exit != Some(0) {
        Err(format!("no draft: {}", one_line(&sniffed.stderr, "")))
    } else {
        Profile::parse("draft", &sniffed.text)
            .map(|draft| differing_keys(&hand, &draft))
            .map_err(|e| format!("the draft does not parse: {e}"))
    };
    Judged {
        case,
        sniffed,
        path,
        keys,
        hand,
    }
}

/// The sniff table; returns how many verdicts were wrong. `full`: every buggy server run
/// with its draft even when the draft is the hand-written profile (`JUDGE=sniff-all`).
pub fn judge(bugs: &[Bug], full: bool) -> usize {
    let started = Instant::now();
    let corpus = corpus();
    let buggy = buggy(bugs);
    let hostile = root().join("fixtures/hostile/hostile_server.py");
    let hostile_cmds: Vec<String> = HOSTILE
        .iter()
        .map(|mode| match *mode {
            NOT_CHAT => format!(
                "python3 {} --port {{port}}",
                root().join("fixtures/wild/http_responder.py").display()
            ),
            mode => format!(
                "python3 {} --mode {mode} --port {{port}}",
                hostile.display()
            ),
        })
        .collect();
    let cases: Vec<&Case> = corpus.iter().chain(&buggy).collect();
    let sniffed = pool(&cases, SNIFF_PARALLEL, |case| {
        sniff(&case.server.server_cmd)
    });
    let hostile_sniffed = pool(&hostile_cmds, SNIFF_PARALLEL, |cmd| sniff(cmd));
    let judged: Vec<Judged> = cases
        .iter()
        .zip(sniffed)
        .map(|(case, s)| judged(case, s))
        .collect();
    let (corpus_judged, buggy_judged) = judged.split_at(corpus.len());
    let mut wrong = 0;
    wrong += judge_corpus(corpus_judged);
    wrong += judge_buggy(buggy_judged, full);
    wrong += judge_hostile(&hostile_sniffed);
    println!("\nsniff table: {:.0}s", started.elapsed().as_secs_f64());
    wrong
}

/// Corpus: wording equal, behaviour flagged; where the profiles differ, core's statuses with
/// each are shown.
fn judge_corpus(judged: &[Judged]) -> usize {
    // Where the profiles parse the same, the two runs would be one run made twice.
    let to_run: Vec<usize> = (0..judged.len())
        .filter(|i| !judged[*i].keys.as_ref().is_ok_and(Vec::is_empty))
        .collect();
    let runs: Vec<Run> = to_run
        .iter()
        .flat_map(|i| {
            [
                judged[*i].hand_run(Vec::new(), false),
                judged[*i].draft_run(Vec::new(), false),
            ]
        })
        .collect();
    let mut outcomes: Vec<Option<[Outcome; 2]>> = judged.iter().map(|_| None).collect();
    let mut ran = run_all(&runs).into_iter();
    for i in &to_run {
        if let (Some(hand), Some(draft)) = (ran.next(), ran.next()) {
            outcomes[*i] = Some([hand, draft]);
        }
    }
    let differences: Vec<Vec<String>> = outcomes
        .iter()
        .map(|pair| {
            pair.as_ref()
                .map(|[hand, draft]| status_differences(hand, draft))
                .unwrap_or_default()
        })
        .collect();
    println!(
        "\nProfiles drafted by `conformance sniff`, compared parsed with the hand-written ones; core run with each\n"
    );
    println!(
        "{:<17} {:>6} {:<36} {:<8} core statuses, hand-written → draft",
        "server", "sniff", "keys that differ (* behaviour)", "verdict"
    );
    let mut wrong = 0;
    let mut equal = 0;
    for ((j, pair), differences) in judged.iter().zip(&outcomes).zip(&differences) {
        let (shown, ok) = match &j.keys {
            Err(why) => (why.clone(), false),
            Ok(keys) => {
                let unflagged: Vec<&str> = keys
                    .iter()
                    .copied()
                    .filter(|k| j.behaviour(k) && !flagged(k, &j.sniffed.text))
                    .collect();
                equal += usize::from(keys.iter().all(|k| j.behaviour(k)));
                let shown: Vec<String> = keys
                    .iter()
                    .map(|k| {
                        if j.behaviour(k) {
                            format!("{k}*")
                        } else {
                            k.to_string()
                        }
                    })
                    .collect();
                let mut shown = if shown.is_empty() {
                    "(none)".to_string()
                } else {
                    shown.join(" ")
                };
                if !unflagged.is_empty() {
                    shown.push_str(&format!(" UNFLAGGED: {}", unflagged.join(" ")));
                }
                (shown, unflagged.is_empty())
            }
        };
        let same = if let (true, Some([_, draft])) = (differences.is_empty(), pair) {
            format!("same ({})", draft.summary())
        } else if differences.is_empty() {
            "the same profile, so the same run".to_string()
        } else {
            format!(
                "differ in {}: {}{}",
                differences.len(),
                differences[..differences.len().min(3)].join(", "),
                if differences.len() > 3 { ", …" } else { "" }
            )
        };
        wrong += usize::from(!ok);
        let mark = if ok { "ok" } else { "WRONG" };
        let row = format!(
            "{:<17} {:>5.1}s {shown:<36} {mark:<8} {same}",
            j.case.name,
            j.sniffed.took.as_secs_f64()
        );
        print_row("sniff", &row, ok, &j.stderr_tail());
    }
    let share = equal as f64 / judged.len().max(1) as f64;
    let enough = share >= EQUAL_SHARE;
    let row = format!(
        "{equal} of {} drafts have the hand-written wording, behaviour keys aside ({:.0} %, at least {:.0} % needed): {}",
        judged.len(),
        share * 100.0,
        EQUAL_SHARE * 100.0,
        if enough { "ok" } else { "WRONG" }
    );
    println!();
    print_row("sniff", &row, enough, &[]);
    wrong + usize::from(!enough)
}

/// Buggy servers: the tests that can catch the bug, run with the draft, still fail. A draft
/// that parses as the hand-written profile gives the run the seed and dialect tables judge
/// already: it is run here only when `full`.
fn judge_buggy(judged: &[Judged], full: bool) -> usize {
    let to_run: Vec<&Judged> = judged
        .iter()
        .filter(|j| full || j.keys.as_ref().is_ok_and(|k| !k.is_empty()))
        .collect();
    let runs: Vec<Run> = to_run
        .iter()
        .map(|j| j.draft_run(j.case.bug.as_ref().expect("a buggy case").1.clone(), true))
        .collect();
    let mut outcomes = to_run
        .iter()
        .map(|j| j.case.name.as_str())
        .zip(run_all(&runs))
        .collect::<BTreeMap<_, _>>();
    println!(
        "\nBuggy servers: the tests that can catch the bug, run with the draft sniffed from the buggy server, must still fail\n"
    );
    let mut wrong = 0;
    for j in judged {
        let (catch, _, level) = j.case.bug.as_ref().expect("a buggy case");
        let (ok, shown) = match (&j.keys, outcomes.remove(j.case.name.as_str())) {
            (Err(why), _) => (false, why.clone()),
            (Ok(_), Some(outcome)) => {
                let verdict = caught(&outcome, |t| catch.covers(t));
                (verdict.ok, verdict.shown)
            }
            (Ok(_), None) => (
                true,
                "draft = hand-written profile (its run is judged in the bug tables)".to_string(),
            ),
        };
        wrong += usize::from(!ok);
        let mark = if ok { "ok" } else { "WRONG" };
        let keys = j.keys.as_ref().map(|k| k.join(" ")).unwrap_or_default();
        let row = format!(
            "{:<30} {level:<7} {mark:<6} {:<18} {shown}",
            j.case.name,
            if keys.is_empty() { "-" } else { &keys }
        );
        print_row("sniff (buggy)", &row, ok, &j.stderr_tail());
    }
    wrong
}

/// Hostile servers: sniff gives up with exit 1 or 2, in time.
fn judge_hostile(sniffed: &[Sniffed]) -> usize {
    println!(
        "\nHostile servers: sniff must give up (exit 1 or 2) within {}s\n",
        HOSTILE_BOUND.as_secs()
    );
    let mut wrong = 0;
    for (mode, sniffed) in HOSTILE.iter().zip(sniffed) {
        let ok = matches!(sniffed.exit, Some(1 | 2)) && sniffed.took <= HOSTILE_BOUND;
        wrong += usize::from(!ok);
        let mark = if ok { "ok" } else { "WRONG" };
        let row = format!(
            "{mode:<20} exit {:<4} {:>5.1}s {mark:<6} {}",
            sniffed.exit.map_or("-".into(), |c| c.to_string()),
            sniffed.took.as_secs_f64(),
            one_line(&sniffed.stderr, "")
        );
        print_row("sniff (hostile)", &row, ok, &[]);
    }
    wrong
}

/// The last line of `stderr` (what sniff concluded), or `fallback`.
fn one_line(stderr: &str, fallback: &str) -> String {
    stderr.lines().last().unwrap_or(fallback).to_string()
}
