//! The suite's judgement, proved both ways: faithful servers must pass, broken ones must be
//! caught, each by a test about its own bug.
//!
//! - **The seed fixture** (`fixtures/servers/seed_server.py`): the faithful server, line and
//!   chunk framing, must pass core; each catalogued `--bug NAME` must fail in a test of the
//!   bug's group or requirement.
//! - **The classic fixtures** (`fixtures/wild/classic_lines.py`, `classic_recv.py`), written
//!   the way students write the assignment: each must pass core as written, and each bug of
//!   the same catalogue, planted in it as a source patch (`fixtures/wild/classic_bugs.toml`),
//!   must fail a test of its group or requirement *that the unpatched fixture passes* at the
//!   same level — so a bug is never credited to a weakness the fixture already had.
//!
//! - **The dialect fixtures** (`fixtures/dialects/`): each must pass core with its profile,
//!   and the bugs planted in it (`fixtures/dialects/bugs.toml`: a lost message, a double
//!   leave, a doubled echo…) must be caught the same way: a dialect never blinds the suite.
//!
//! - **The client fixtures** (`fixtures/clients/`, `conformance client`): the reference
//!   client must pass strict, the faithful seed-style client core, and each bug planted in
//!   `buggy_client.py` must fail the test named for it (see [`clients`]).
//!
//! - **Sniff** (`conformance sniff`): the profile it drafts for each server of the corpus
//!   means what the hand-written one does, and never makes a catalogued bug pass (see
//!   [`sniff`]).
//!
//! Every judgement of a bug is `--isolate` (a fresh server per test), and `--repeat 3` for a
//! bug only a race shows (`catalogue::RACES`: caught when any attempt fails). Prints the
//! sensitivity tables — bug → the tests that caught it — on every run (`JUDGE=seed`,
//! `classic`, `dialects`, `clients` or `sniff` judges one table only; `JUDGE=sniff-all` is
//! the sniff table with every planted bug). A plain `main` (harness = false) so the tables
//! are printed.

mod catalogue;
mod clients;
mod planted;
mod run;
mod sniff;

use std::sync::Mutex;

use chat_test_support::root;

use catalogue::Bug;
use planted::{Corpus, Plan};
use run::{Outcome, Run, SEED, run_all};

/// One verdict line: whether the suite judged the server right, and what it showed.
struct Verdict {
    ok: bool,
    shown: String,
    /// What the failing tests of a server that must pass said (their details).
    why: Vec<String>,
}

/// A row judged WRONG, and what its failing tests said.
struct WrongRow {
    row: String,
    why: Vec<String>,
}

/// Every row judged WRONG, printed again after all the tables (the details, then the rows
/// alone): a CI log may keep only its tail.
static WRONG_ROWS: Mutex<Vec<WrongRow>> = Mutex::new(Vec::new());

/// Notes `row` as judged WRONG, with `why`: the failing tests' details, of which the first
/// three are kept, each cut to its first line and its `Expected:`/`Actual:` lines.
fn judged_wrong(row: &str, why: &[String]) {
    const SHOWN: usize = 3;
    let mut kept: Vec<String> = why
        .iter()
        .take(SHOWN)
        .flat_map(|detail| {
            detail.lines().enumerate().filter_map(|(i, line)| {
                let kept = i == 0 || line.starts_with("Expected:") || line.starts_with("Actual:");
                kept.then(|| {
                    if i == 0 {
                        line.to_string()
                    } else {
                        format!("  {line}")
                    }
                })
            })
        })
        .collect();
    if why.len() > SHOWN {
        kept.push(format!("and {} more", why.len() - SHOWN));
    }
    WRONG_ROWS.lock().unwrap().push(WrongRow {
        row: row.trim_end().to_string(),
        why: kept,
    });
}

/// Prints a table's `row`; one judged WRONG (`ok` false) is also kept, under `table`, for
/// the end of the output, with `why`.
fn print_row(table: &str, row: &str, ok: bool, why: &[String]) {
    println!("{row}");
    if !ok {
        judged_wrong(&format!("{table}: {row}"), why);
    }
}

/// The rows judged WRONG, as the output's last lines.
fn print_wrong_rows(wrong: usize) {
    let rows = WRONG_ROWS.lock().unwrap();
    println!("\nWhy the rows below were judged WRONG:");
    for WrongRow { row, why } in rows.iter() {
        println!("  {row}");
        for line in why {
            println!("      {line}");
        }
    }
    println!("\n{wrong} servers or clients judged WRONG:");
    for WrongRow { row, .. } in rows.iter() {
        println!("  {row}");
    }
}

/// A faithful server must pass: exit 0, no failure.
fn passes(outcome: &Outcome) -> Verdict {
    let failed: Vec<&str> = outcome.failed().map(|t| t.id.as_str()).collect();
    Verdict {
        why: outcome
            .failed()
            .map(|t| format!("{}: {}", t.id, t.detail))
            .collect(),
        ok: outcome.exit == Some(0) && failed.is_empty(),
        shown: if failed.is_empty() {
            outcome.summary()
        } else {
            format!("{}: {}", outcome.summary(), failed.join(" "))
        },
    }
}

/// A broken server must fail (exit 1) in a test that `counts`.
fn caught(outcome: &Outcome, counts: impl Fn(&run::TestResult) -> bool) -> Verdict {
    let by: Vec<&str> = outcome
        .failed()
        .filter(|t| counts(t))
        .map(|t| t.id.as_str())
        .collect();
    Verdict {
        why: Vec::new(),
        ok: outcome.exit == Some(1) && !by.is_empty(),
        shown: if by.is_empty() {
            outcome.summary()
        } else {
            by.join(" ")
        },
    }
}

fn seed_run(args: &str, profile: &str, level: &'static str) -> Run {
    let script = root().join("fixtures/servers/seed_server.py");
    Run {
        server_cmd: format!("python3 {} --port {{port}} {args}", script.display()),
        profile: profile.to_string(),
        level,
        filters: Vec::new(),
        skip: false,
        isolate: true,
        repeat: 1,
    }
}

fn fixture_run(
    script: &std::path::Path,
    corpus: &Corpus,
    fixture: &str,
    level: &'static str,
) -> Run {
    let server_cmd = if script.extension().is_some_and(|e| e == "java") {
        let (classes, class) = compiled_java(script);
        format!(
            "java -Xss256k -cp {} {class} --port {{port}}",
            classes.display()
        )
    } else {
        format!("python3 {} --port {{port}}", script.display())
    };
    Run {
        server_cmd,
        profile: format!("{}/{fixture}.toml", corpus.folder),
        level,
        filters: Vec::new(),
        skip: false,
        isolate: true,
        repeat: 1,
    }
}

/// Compiles a Java fixture (or a patched copy) once, before its runs: compiling inside
/// every run's listen timeout (`fixtures/dialects/run_java.sh`, one fresh server per test)
/// took longer than that timeout on a loaded machine. Returns the class folder and class.
fn compiled_java(script: &std::path::Path) -> (std::path::PathBuf, String) {
    let class = script
        .file_stem()
        .expect("a .java file has a name")
        .to_string_lossy()
        .into_owned();
    let folder = script
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let classes = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("java")
        .join(format!("{folder}-{class}"));
    std::fs::create_dir_all(&classes).expect("the class folder can be made");
    let status = std::process::Command::new("javac")
        .args(["-encoding", "UTF-8", "-d"])
        .arg(&classes)
        .arg(script)
        .status()
        .unwrap_or_else(|e| panic!("javac could not run on {}: {e}", script.display()));
    assert!(status.success(), "javac failed on {}", script.display());
    (classes, class)
}

/// The seed fixture's table: the faithful servers, then each `--bug`.
fn judge_seed(bugs: &[Bug]) -> usize {
    let mut runs = vec![
        seed_run("", "fixtures/profiles/seed.toml", "core"),
        seed_run(
            "--framing chunk",
            "fixtures/profiles/seed-chunk.toml",
            "core",
        ),
    ];
    // Each bug is run on the tests that can catch it (its groups' and requirements'):
    // a failure elsewhere would not count.
    runs.extend(bugs.iter().map(|bug| Run {
        filters: bug.filters(),
        repeat: bug.attempts(),
        ..seed_run(
            &format!("--bug {}", bug.name),
            "fixtures/profiles/seed.toml",
            bug.level,
        )
    }));
    let outcomes = run_all(&runs);
    println!("\nSensitivity of the conformance suite (seed {SEED}, one fresh server per test)\n");
    println!(
        "{:<20} {:<7} {:<26} {:<8} caught by",
        "server", "level", "must fail in", "verdict"
    );
    let mut wrong = 0;
    let mut line = |name: &str, level: &str, expectation: &str, verdict: Verdict| {
        wrong += usize::from(!verdict.ok);
        let mark = if verdict.ok { "ok" } else { "WRONG" };
        let row = format!(
            "{name:<20} {level:<7} {expectation:<26} {mark:<8} {}",
            verdict.shown
        );
        print_row("seed", &row, verdict.ok, &verdict.why);
    };
    line("faithful", "core", "(must pass)", passes(&outcomes[0]));
    line(
        "faithful (chunk)",
        "core",
        "(must pass)",
        passes(&outcomes[1]),
    );
    for (bug, outcome) in bugs.iter().zip(&outcomes[2..]) {
        let verdict = caught(outcome, |t| bug.catch.covers(t));
        line(&bug.name, bug.level, &bug.catch.groups.join(", "), verdict);
    }
    wrong
}

/// A corpus's table: bug × fixture.
fn judge_planted(corpus: &Corpus, catalogue: Vec<Bug>) -> usize {
    let bugs = corpus.bugs(catalogue);
    let fixtures: Vec<&str> = corpus
        .fixtures
        .iter()
        .copied()
        .filter(|fixture| runnable(&corpus.source(fixture)))
        .collect();
    // Per fixture: the unpatched runs at core and strict (the baselines), then one run per
    // patched copy, of the tests that can catch its bug.
    let mut runs = Vec::new();
    let mut plans = Vec::new();
    for fixture in &fixtures {
        let script = corpus.source(fixture);
        runs.push(fixture_run(&script, corpus, fixture, "core"));
        // At strict, only the tests that can catch a strict bug judged here matter (none:
        // the baseline is not run, and reads as empty).
        let fixture_plans = corpus.plans(fixture, &bugs);
        let mut strict_filters: Vec<String> = bugs
            .iter()
            .zip(&fixture_plans)
            .filter(|(bug, plan)| bug.level == "strict" && plan.is_judged())
            .flat_map(|(bug, _)| bug.filters())
            .collect();
        strict_filters.sort();
        strict_filters.dedup();
        runs.push(Run {
            skip: strict_filters.is_empty(),
            filters: strict_filters,
            ..fixture_run(&script, corpus, fixture, "strict")
        });
        for (bug, plan) in bugs.iter().zip(&fixture_plans) {
            if let Plan::Patched(path) = plan {
                runs.push(Run {
                    filters: bug.filters(),
                    repeat: bug.attempts(),
                    ..fixture_run(path, corpus, fixture, bug.level)
                });
            }
        }
        plans.push(fixture_plans);
    }
    let mut outcomes = run_all(&runs).into_iter();
    let mut cells: Vec<Vec<(Option<Verdict>, String)>> = Vec::new();
    let mut faithful = Vec::new();
    let mut reasons = Vec::new();
    for (fixture, fixture_plans) in fixtures.iter().zip(&plans) {
        let core = outcomes.next().expect("a core baseline");
        let strict = outcomes.next().expect("a strict baseline");
        faithful.push(passes(&core));
        let mut column = Vec::new();
        for (bug, plan) in bugs.iter().zip(fixture_plans) {
            let baseline = if bug.level == "strict" {
                &strict
            } else {
                &core
            };
            let cell = match plan {
                Plan::Patched(_) => {
                    let outcome = outcomes.next().expect("a planted run");
                    let new_failure = |t: &run::TestResult| {
                        bug.catch.covers(t) && baseline.status_of(&t.id) == Some("pass")
                    };
                    (Some(caught(&outcome, new_failure)), String::new())
                }
                Plan::AsWritten(why) => {
                    reasons.push(format!("  {fixture} / {}: as written: {why}", bug.name));
                    let verdict = caught(baseline, |t| bug.catch.covers(t));
                    (Some(verdict), " (as written)".to_string())
                }
                Plan::NotApplicable(why) => {
                    reasons.push(format!("  {fixture} / {}: not applicable: {why}", bug.name));
                    (None, "n/a".to_string())
                }
                Plan::NotPlanted => (None, "-".to_string()),
            };
            column.push(cell);
        }
        cells.push(column);
    }
    println!(
        "\n{} ({}); a bug is caught by a failure the unpatched fixture does not have. Patched \
         copies: {}/planted\n",
        corpus.title,
        corpus.patches,
        env!("CARGO_TARGET_TMPDIR")
    );
    print!("{:<20} {:<7}", "bug", "level");
    for fixture in &fixtures {
        print!(" {fixture:<42}");
    }
    println!();
    let mut wrong = 0;
    let mut cell = |row: &str, fixture: &str, verdict: Option<&Verdict>, suffix: &str| match verdict
    {
        None => suffix.to_string(),
        Some(v) => {
            wrong += usize::from(!v.ok);
            let mark = if v.ok { "ok" } else { "WRONG" };
            if !v.ok {
                let where_ = format!("{}: {row} in {fixture}", corpus.patches);
                judged_wrong(&format!("{where_}: {}{suffix}", v.shown), &v.why);
            }
            format!("{mark:<5} {}{suffix}", first_two(&v.shown))
        }
    };
    print!("{:<20} {:<7}", "faithful", "core");
    for (fixture, verdict) in fixtures.iter().zip(&faithful) {
        print!(" {:<42}", cell("faithful", fixture, Some(verdict), ""));
    }
    println!();
    for (i, bug) in bugs.iter().enumerate() {
        if cells
            .iter()
            .all(|column| matches!(column[i], (None, ref s) if s == "-"))
        {
            continue;
        }
        print!("{:<20} {:<7}", bug.name, bug.level);
        for (fixture, column) in fixtures.iter().zip(&cells) {
            let (verdict, suffix) = &column[i];
            print!(
                " {:<42}",
                cell(&bug.name, fixture, verdict.as_ref(), suffix)
            );
        }
        println!();
    }
    if !reasons.is_empty() {
        println!("\nNot patched:\n{}", reasons.join("\n"));
    }
    wrong
}

/// Whether the fixture `source` can run here: a Java one needs `javac`. Without it the
/// fixture's column is left out with the reason printed, except under `CI=true`, whose
/// machines have Java 17: there a missing `javac` fails.
fn runnable(source: &std::path::Path) -> bool {
    source.extension().is_none_or(|e| e != "java") || chat_test_support::javac_present()
}

/// The classic assignment as taught, with the whole catalogue planted.
const CLASSICS: Corpus = Corpus {
    title: "The catalogue planted in the classic fixtures",
    folder: "fixtures/wild",
    fixtures: &["classic_lines", "classic_recv"],
    patches: "fixtures/wild/classic_bugs.toml",
    complete: true,
};

/// The dialect corpus: each passes core with its profile, and its dialect blinds nothing.
const DIALECTS: Corpus = Corpus {
    title: "Bugs planted in the dialect fixtures",
    folder: "fixtures/dialects",
    fixtures: &[
        "prompt_line",
        "farewell_en",
        "echo_tu",
        "silent_room",
        "relay_text",
        "verbatim",
        "reprompt",
        "ChatJava",
    ],
    patches: "fixtures/dialects/bugs.toml",
    complete: false,
};

/// `a b c d` → `a b +2`: a table cell keeps the first two tests that caught a bug.
fn first_two(shown: &str) -> String {
    let words: Vec<&str> = shown.split(' ').collect();
    if words.len() <= 2 || !words.iter().all(|w| w.contains('.')) {
        return shown.to_string();
    }
    format!("{} +{}", words[..2].join(" "), words.len() - 2)
}

fn main() {
    let bugs = catalogue::bugs();
    // `JUDGE=dialects` (or `seed`, `classic`) judges one table only, while working on it.
    let only = std::env::var("JUDGE").ok();
    let wanted = |table: &str| only.as_deref().is_none_or(|o| table.contains(o));
    let mut wrong = 0;
    if wanted("seed") {
        wrong += judge_seed(&bugs);
    }
    if wanted("classic") {
        wrong += judge_planted(&CLASSICS, bugs.clone());
    }
    if wanted("dialects") {
        wrong += judge_planted(&DIALECTS, bugs.clone());
    }
    if wanted("clients") {
        wrong += clients::judge();
    }
    // `JUDGE=sniff-all`: the sniff table with every planted bug, each run with its draft.
    let sniff_all = only.as_deref() == Some("sniff-all");
    if wanted("sniff") || sniff_all {
        wrong += sniff::judge(&bugs, sniff_all);
    }
    if wrong == 0 {
        println!("\nevery server and client judged right");
    } else {
        print_wrong_rows(wrong);
        std::process::exit(1);
    }
}
