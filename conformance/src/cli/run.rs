//! `conformance run` (the default command): lists, explains or runs the selected tests
//! against the target and writes the report.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::listing;
use super::options::{ReportArgs, SuiteArgs};
use super::progress::Progress;
use super::reports;
use crate::case::TestCase;
use crate::catalogue;
use crate::grading::{Grading, Scores};
use crate::model::{RunReport, TestResult};
use crate::profile::Profile;
use crate::runner::{self, RunConfig};
use crate::sandbox::{self, Jail};
use crate::scenario::{self, Script};
use crate::target::{ServerArgs, Target, TargetError, TargetSpec};

/// The options of `run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Which server to test and its wording: `--target`, `--server-cmd`, `--profile`.
    #[command(flatten)]
    pub server: ServerArgs,
    /// Which tests and how long to wait: `--level`, `--filter`, `--list`, `--explain`,
    /// `--timeout-ms`, `--timeout-scale`, `--seed`.
    #[command(flatten)]
    pub suite: SuiteArgs,
    /// Which reports and where, and their points: `--report`, `--format`, `--output`,
    /// `--grading`.
    #[command(flatten)]
    pub report: ReportArgs,
    /// Start a fresh server for every test (with --server-cmd or the built-in reference
    /// server), so a bug that breaks the room for good fails only the tests about it.
    #[arg(long, conflicts_with = "target")]
    pub isolate: bool,
    /// Run the server (--server-cmd) in the sandbox for untrusted code, as `conformance class`
    /// does: this run in a private network namespace, the server in a jail (a read-only
    /// system, a user of its own, limits). Linux, as root, with bubblewrap.
    #[arg(long, requires = "server_cmd", conflicts_with = "target")]
    pub sandbox: bool,
    /// Run the scenarios in FILE (the step format of fixtures/scenarios/) instead of the
    /// built-in catalogue. May be repeated.
    #[arg(long, value_name = "FILE")]
    pub scenario: Vec<PathBuf>,
}

/// Open files the suite may need at once, with a spawned server's (`limits`, `scale`).
const OPEN_FILES: u64 = 4096;

fn usage_error(message: impl std::fmt::Display) -> i32 {
    eprintln!("conformance: {message}");
    2
}

/// The tests this invocation is about: the catalogue, or the scenario files. Two tests with
/// the same id are an error.
fn load_tests(args: &RunArgs) -> Result<Vec<TestCase>, String> {
    let tests = if args.scenario.is_empty() {
        catalogue::all()
    } else {
        let mut tests = Vec::new();
        for path in &args.scenario {
            let script = Script::load(path).map_err(|e| e.to_string())?;
            tests.push(scenario::test_case(Arc::new(script)));
        }
        tests
    };
    crate::case::check_unique(&tests)?;
    Ok(tests)
}

/// Every skip rule of the profile must name some test, of any level, of the catalogue or of
/// `tests`: a rule that names nothing (a typo, a renamed test) would silently skip nothing.
pub(crate) fn check_skip_rules(profile: &Profile, tests: &[TestCase]) -> Result<(), String> {
    let catalogue = catalogue::all();
    for rule in &profile.skip {
        let named = |t: &TestCase| rule.matches(t.id, t.requirement);
        if !catalogue.iter().chain(tests).any(named) {
            return Err(format!(
                "profile {}: the skip rule `{}` matches no test; name a test id \
                 (`slow.consumer`), a pattern (`leave.*`), a group (`slow`) or a requirement \
                 id (`SLOW-1`) — see `conformance --list --level strict`",
                profile.name, rule.id
            ));
        }
    }
    Ok(())
}

/// The run's `[grading]` table: from `grading` (`--grading`), or the profile's. Every name
/// in it must name some test, of any level, of the catalogue or of `tests`, as for skip rules.
pub(crate) fn load_grading(
    profile: &str,
    grading: Option<&Path>,
    tests: &[TestCase],
) -> Result<Grading, String> {
    let table = Grading::load(profile, grading).map_err(|e| e.to_string())?;
    let catalogue = catalogue::all();
    let known: Vec<(&str, &str)> = catalogue
        .iter()
        .chain(tests)
        .map(|t| (t.id, t.requirement))
        .collect();
    if let Some((name_of_table, name)) = table.unknown_names(&known).first() {
        let source = grading.map_or(profile.to_owned(), |p| p.display().to_string());
        return Err(format!(
            "{source}: key `grading.{name_of_table}.{name}`: names no test; name a test id \
             (`leave.quit`), a requirement id (`LEAVE-1`) or a group (`leave`) — see \
             `conformance --list --level strict`"
        ));
    }
    Ok(table)
}

/// Runs `selected` on the server of `spec` with `profile`, as `suite` says (`isolate`: a
/// fresh server per test), calling `progress` as [`runner::run`] does, and stops the server.
///
/// # Errors
///
/// The server could not be started, or was never reached.
pub(crate) async fn run_suite(
    spec: &TargetSpec,
    profile: &Arc<Profile>,
    suite: &SuiteArgs,
    isolate: bool,
    selected: &[TestCase],
    progress: impl FnMut(usize, &TestCase, Option<&TestResult>),
) -> Result<RunReport, TargetError> {
    // The strict tests hold hundreds of connections at once; a spawned server inherits it.
    if let Some(warning) = crate::open_files::raise_open_files(OPEN_FILES) {
        eprintln!("conformance: warning: {warning}");
    }
    let mut target = Target::start(spec, suite.startup()).await?;
    for skipped in target.skipped_checks() {
        eprintln!("conformance: skipped: {skipped}");
    }
    let seed = suite.seed.unwrap_or_else(rand::random);
    let config = RunConfig {
        profile: profile.clone(),
        level: suite.level,
        seed,
        timeouts: suite.timeouts(),
        scale: suite.timeout_scale,
        isolate: isolate.then(|| spec.clone()),
        respawn: (!matches!(spec, TargetSpec::Address(_))).then(|| spec.clone()),
        repeat: suite.repeat,
    };
    let started = std::time::Instant::now();
    let results = runner::run(&mut target, &config, selected, progress).await;
    let duration = started.elapsed();
    let label = target.label();
    target.stop().await;
    Ok(RunReport {
        target: label,
        profile: profile.name.clone(),
        level: suite.level,
        seed,
        results: results?,
        duration,
        wording: profile.wording(),
    })
}

/// The tests to run, in run order, and the scenario files' tests that `--filter` selects but
/// `--level` leaves out: those are reported as skipped, with the level that runs them, rather
/// than silently dropped (the catalogue's strict tests are simply not part of a core run).
fn select(tests: Vec<TestCase>, args: &RunArgs) -> (Vec<TestCase>, Vec<TestCase>) {
    let (selected, above_level): (Vec<_>, Vec<_>) =
        runner::select(tests, crate::model::Level::Strict, &args.suite.filter)
            .into_iter()
            .partition(|t| t.level <= args.suite.level);
    let above_level = if args.scenario.is_empty() {
        Vec::new()
    } else {
        above_level
    };
    (runner::in_run_order(selected), above_level)
}

/// Why nothing runs: the filters match no test of the level, or (without `--filter`) the
/// level has no test.
fn nothing_selected(suite: &SuiteArgs) -> String {
    if suite.filter.is_empty() {
        format!("no test to run at level {}", suite.level)
    } else {
        format!(
            "no test matches --filter {} at level {}",
            suite.filter.join(" --filter "),
            suite.level
        )
    }
}

/// Runs `conformance run`; returns the exit code.
pub(super) async fn main(args: RunArgs) -> i32 {
    if args.sandbox
        && let Err(e) = sandbox::enter_private_network()
    {
        return usage_error(sandbox::unavailable(&e, "leave out --sandbox"));
    }
    let tests = match load_tests(&args) {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    let ready = listing::prologue(
        "conformance",
        &args.server.profile,
        &args.suite,
        &args.report,
        tests,
        |profile, tests| {
            check_skip_rules(profile, tests)?;
            load_grading(&args.server.profile, args.report.grading.as_deref(), tests)
        },
    );
    let (tests, profile, grading, specs) = match ready {
        Ok(ready) => ready.parts(),
        Err(code) => return code,
    };
    let (selected, above_level) = select(tests, &args);
    if selected.is_empty() && above_level.is_empty() {
        return usage_error(nothing_selected(&args.suite));
    }
    let progress = Progress::new(selected.len(), &specs);
    let jail = match sandboxed(&args) {
        Ok(jail) => jail,
        Err(e) => return usage_error(e),
    };
    let spec = match (&jail, args.server.spec()) {
        (Some(jail), TargetSpec::Command(command)) => jail.confine(command),
        (_, spec) => spec,
    };
    let report = run_suite(
        &spec,
        &profile,
        &args.suite,
        args.isolate,
        &selected,
        |i, test, done| {
            if done.is_none() {
                progress.started(i, test.id);
            }
        },
    )
    .await;
    progress.finish();
    let mut report = match report {
        Ok(report) => report,
        Err(e) => return usage_error(e),
    };
    let level = args.suite.level;
    let skipped = above_level.iter().map(|t| runner::above_level(t, level));
    report.results.extend(skipped);
    let scores = Scores::of(&report, &grading);
    if let Err(e) = reports::write_all(&report, &scores, &specs) {
        return usage_error(e);
    }
    if report.all_passed() { 0 } else { 1 }
}

/// With `--sandbox`, the jail of the server, hiding the profile and `[grading]` files.
fn sandboxed(args: &RunArgs) -> Result<Option<Jail>, String> {
    if !args.sandbox {
        return Ok(None);
    }
    let mut hidden = vec![Path::new(&args.server.profile)];
    hidden.extend(args.report.grading.as_deref());
    Jail::new(&hidden).map(Some)
}
