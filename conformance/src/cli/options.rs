//! Option groups shared by the subcommands, so that every command that talks to a server, runs
//! tests or writes a report spells its options the same way: [`SuiteArgs`] (which tests, how
//! long to wait) and [`ReportArgs`] (which format, where). The server and its wording are
//! [`crate::target::ServerArgs`].

use std::path::PathBuf;
use std::time::Duration;

use super::reports::{ReportSpec, parse_report};
use crate::model::Level;
use crate::report::Format;
use crate::user::Timeouts;

/// Default bound of one expectation.
pub const DEFAULT_TIMEOUT_MS: u64 = 2000;

/// Which tests, and how long to wait: shared by every subcommand that runs tests.
#[derive(Debug, Clone, clap::Args)]
pub struct SuiteArgs {
    /// core: the MUST requirements; strict: core plus input, limits, slow readers, scale.
    #[arg(long, value_enum, default_value_t = Level::Core)]
    pub level: Level,
    /// Run only the tests whose id contains TEXT, or whose requirement is TEXT (`FRAME-3`).
    /// May be repeated: a test matching any of them runs.
    #[arg(long, value_name = "TEXT")]
    pub filter: Vec<String>,
    /// List the tests (id, level, requirement, title) and exit.
    #[arg(long)]
    pub list: bool,
    /// Explain a test (`leave.quit`), a group's tests (`leave`) or a requirement's
    /// (`LEAVE-1`): the requirement, what each test does, usual causes of failure.
    #[arg(long, value_name = "ID|GROUP|REQ")]
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
    /// Give a failing test N attempts in all (1 to 100): it is run again, alone, each time
    /// with its own seed derived from the test's; "failed 3 of 3", or "intermittent: failed
    /// 1 of 3" for a race in the server (still a failure).
    #[arg(long, default_value_t = 1, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub repeat: u32,
}

impl SuiteArgs {
    /// The bounds on waiting these options give.
    pub fn timeouts(&self) -> Timeouts {
        Timeouts {
            expect: Duration::from_millis(self.timeout_ms).mul_f64(self.timeout_scale),
            connect: Duration::from_secs(5).mul_f64(self.timeout_scale),
        }
    }

    /// How long a spawned server may take to start.
    pub fn startup(&self) -> Duration {
        Duration::from_secs(10).mul_f64(self.timeout_scale)
    }
}

/// Which reports, and where: shared by every subcommand that writes a report of tests.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// Report format, for a single report (`--report` for several) [default: human].
    #[arg(long, value_enum, conflicts_with = "report")]
    pub format: Option<Format>,
    /// Write the single report to FILE instead of standard output.
    #[arg(long, value_name = "FILE", conflicts_with = "report")]
    pub output: Option<PathBuf>,
    /// A report in FORMAT (human, json, junit, tap, markdown, gradescope, classroom), written
    /// to PATH, or to standard output without `=PATH` (or with `=-`). May be repeated: every
    /// report comes from the same run; at most one goes to standard output.
    #[arg(long, value_name = "FORMAT[=PATH]", value_parser = parse_report)]
    pub report: Vec<ReportSpec>,
    /// Points: read the `[grading]` table from FILE (weights, total, Gradescope visibility;
    /// see the README, "For teachers"). Without it, the profile's `[grading]` table, if any;
    /// else one point per test.
    #[arg(long, value_name = "FILE")]
    pub grading: Option<PathBuf>,
}

fn parse_scale(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if (0.1..=100.0).contains(&f) => Ok(f),
        _ => Err(format!("`{text}` is not a factor between 0.1 and 100")),
    }
}
