//! The command line: `conformance [--target HOST:PORT | --server-cmd CMD] [options]` runs the
//! suite; `conformance load [options]` measures a server under load (see [`crate::load`]).
//!
//! Exit codes: 0 every selected test passed; 1 at least one failed; 2 usage error, bad
//! profile or scenario, or a target that could not be reached or started.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::case::TestCase;
use crate::catalogue;
use crate::model::{Level, RunReport, TestResult};
use crate::profile::Profile;
use crate::report::{self, Format, Style};
use crate::runner::{self, RunConfig};
use crate::scenario::{self, Script};
use crate::target::{ServerArgs, Target};
use crate::user::Timeouts;

/// Default bound of one expectation.
pub const DEFAULT_TIMEOUT_MS: u64 = 2000;

/// Conformance suite for multi-client chat servers (see PROTOCOL.md).
///
/// With no target it starts the workspace's reference server on a free port and tests it.
#[derive(Debug, Parser)]
#[command(name = "conformance", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 all selected tests passed; 1 at least one failed; \
    2 usage error, bad profile, or target unreachable.\n\
    Examples:\n  conformance --target 127.0.0.1:8070 --profile my-server.toml\n  \
    conformance --server-cmd 'python3 server.py --port {port}' --profile my-server.toml --level strict\n  \
    conformance --list\n  conformance --explain leave.rst_idle\n  \
    conformance load --users 200 --senders 20 --messages 500   (see `conformance load --help`)"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// With no command, the suite runs.
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub server: ServerArgs,
    /// core: the MUST requirements; strict: core plus input, limits, slow readers, scale.
    #[arg(long, value_enum, default_value_t = Level::Core)]
    pub level: Level,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Run only the tests whose id contains TEXT.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// List the tests (id, level, requirement, title) and exit.
    #[arg(long)]
    pub list: bool,
    /// Explain one test: the requirement, what the test does, usual causes of failure.
    #[arg(long, value_name = "ID")]
    pub explain: Option<String>,
    /// Bound of each single expectation, in milliseconds.
    #[arg(long, default_value_t = DEFAULT_TIMEOUT_MS, value_name = "MS",
          value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub timeout_ms: u64,
    /// Multiply every timeout and test budget (for slow machines).
    #[arg(long, env = "CONFORMANCE_TIMEOUT_SCALE", default_value_t = 1.0, value_name = "FACTOR",
          value_parser = parse_scale)]
    pub timeout_scale: f64,
    /// Seed of the randomised parts; printed with every failure to reproduce it.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Start a fresh server for every test (with --server-cmd or the built-in reference
    /// server), so a bug that breaks the room for good fails only the tests about it.
    #[arg(long, conflicts_with = "target")]
    pub isolate: bool,
    /// Run the scenarios in FILE (the step format of fixtures/scenarios/) instead of the
    /// built-in catalogue. May be repeated.
    #[arg(long, value_name = "FILE")]
    pub scenario: Vec<PathBuf>,
}

/// What to do instead of running the suite.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Measure a server under load: deliveries per second, end-to-end latency, and
    /// exactly-once delivery of every message.
    Load(crate::load::LoadArgs),
}

fn parse_scale(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if (0.1..=100.0).contains(&f) => Ok(f),
        _ => Err(format!("`{text}` is not a factor between 0.1 and 100")),
    }
}

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    let mut args = Args::parse();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => match args.command.take() {
            Some(Command::Load(load)) => runtime.block_on(crate::load::main(load)),
            None => runtime.block_on(run(args)),
        },
        Err(e) => {
            eprintln!("conformance: cannot start the async runtime: {e}");
            2
        }
    }
}

fn usage_error(message: impl std::fmt::Display) -> i32 {
    eprintln!("conformance: {message}");
    2
}

/// The tests this invocation is about: the catalogue, or the scenario files. Two tests with
/// the same id are an error.
fn load_tests(args: &Args) -> Result<Vec<TestCase>, String> {
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

async fn run(args: Args) -> i32 {
    let tests = match load_tests(&args) {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    let profile = match Profile::load(&args.server.profile) {
        Ok(p) => Arc::new(p),
        Err(e) => return usage_error(e),
    };
    if args.list {
        for t in runner::select(tests, Level::Strict, args.filter.as_deref()) {
            let skip = profile
                .skip_rule(t.id)
                .map(|rule| format!("  [skipped by the profile: {}]", rule.reason))
                .unwrap_or_default();
            println!(
                "{:<28} {:<6} {:<8} {}{skip}",
                t.id, t.level, t.requirement, t.title
            );
        }
        return 0;
    }
    if let Some(id) = &args.explain {
        return match tests.iter().find(|t| t.id == id) {
            Some(t) => {
                println!("{} ({}) — {}", t.id, t.level, t.title);
                println!(
                    "\nRequirement:\n  {}",
                    crate::requirements::line(t.requirement)
                );
                println!("\nWhat the test does:\n  {}", t.steps);
                println!("\nUsual causes of failure:\n  {}", t.causes);
                0
            }
            None => usage_error(format!(
                "no test has the id `{id}` (see `conformance --list`)"
            )),
        };
    }
    let selected = runner::select(tests, args.level, args.filter.as_deref());
    if selected.is_empty() {
        return usage_error(format!(
            "no test matches --filter {:?} at level {}",
            args.filter.as_deref().unwrap_or(""),
            args.level
        ));
    }
    let scale = args.timeout_scale;
    let spec = args.server.spec();
    let mut target = match Target::start(&spec, Duration::from_secs(10).mul_f64(scale)).await {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    let seed = args.seed.unwrap_or_else(rand::random);
    let config = RunConfig {
        profile: profile.clone(),
        level: args.level,
        seed,
        timeouts: Timeouts {
            expect: Duration::from_millis(args.timeout_ms).mul_f64(scale),
            connect: Duration::from_secs(5).mul_f64(scale),
        },
        scale,
        isolate: args.isolate.then(|| spec.clone()),
    };
    let show_progress = std::io::stderr().is_terminal() && args.format == Format::Human;
    let total = selected.len();
    let started = std::time::Instant::now();
    let results = runner::run(&mut target, &config, &selected, |i, test, done| {
        if show_progress {
            progress_line(i, total, test, done);
        }
    })
    .await;
    if show_progress {
        eprint!("\r\x1b[2K");
    }
    let report = RunReport {
        target: target.label(),
        profile: profile.name.clone(),
        level: args.level,
        seed,
        results,
        duration: started.elapsed(),
    };
    target.stop().await;
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let style = Style::detect(to_terminal);
    let text = match report::render(&report, args.format, style) {
        Ok(text) => text,
        Err(e) => return usage_error(format!("cannot render the report: {e}")),
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                return usage_error(format!("cannot write {}: {e}", path.display()));
            }
            let s = report.summary();
            eprintln!(
                "{} tests, {} passed, {} failed, {} skipped (report in {})",
                report.results.len(),
                s.passed,
                s.failed,
                s.skipped,
                path.display()
            );
        }
        None => print!("{text}"),
    }
    if report.all_passed() { 0 } else { 1 }
}

fn progress_line(i: usize, total: usize, test: &TestCase, done: Option<&TestResult>) {
    if done.is_none() {
        eprint!("\r\x1b[2K[{}/{}] {}", i + 1, total, test.id);
    }
}
