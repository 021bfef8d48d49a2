//! The quick check after drafting: the core join, broadcast and leave tests run with the
//! draft, through the suite's own runner, and the verdict says whether the draft is good
//! enough to run the suite, or which key to look at.

use std::sync::Arc;

use crate::cli::options::{DEFAULT_TIMEOUT_MS, SuiteArgs};
use crate::cli::run::run_suite;
use crate::model::{Level, Status};
use crate::profile::Profile;
use crate::runner;
use crate::target::TargetSpec;

/// The tests of the quick check: the first of each core group a wrong key breaks.
pub const QUICK_TESTS: &[&str] = &[
    "join.single",
    "join.not_to_self",
    "broadcast.basic",
    "broadcast.no_echo",
    "leave.quit",
    "leave.fin_idle",
];

/// The keys to look at when `test` fails.
fn keys_for(test: &str) -> &'static str {
    match test {
        "leave.quit" => "quit, farewell, leave",
        t if t.starts_with("join.") => "prompt, welcome, join",
        t if t.starts_with("broadcast.") => "chat, send",
        t if t.starts_with("leave.") => "leave",
        _ => "framing",
    }
}

/// The verdict of the quick check, one line per finding, for stderr.
pub struct Checked {
    /// Every quick test passed.
    pub passed: bool,
    /// What to say.
    pub lines: Vec<String>,
}

/// Runs the quick check on the server of `spec` with `profile`, whose draft marked the
/// keys `observed` as a behaviour the protocol forbids (a likely cause of a failure).
pub async fn quick_check(
    spec: &TargetSpec,
    profile: Profile,
    scale: f64,
    observed: &[&str],
) -> Checked {
    let suite = SuiteArgs {
        level: Level::Core,
        filter: QUICK_TESTS.iter().map(|t| t.to_string()).collect(),
        list: false,
        explain: None,
        timeout_ms: DEFAULT_TIMEOUT_MS,
        timeout_scale: scale,
        seed: None,
        repeat: 1,
    };
    let tests = runner::in_run_order(runner::select(
        crate::catalogue::all(),
        Level::Core,
        &suite.filter,
    ))
    .into_iter()
    .filter(|t| QUICK_TESTS.contains(&t.id))
    .collect::<Vec<_>>();
    let report = run_suite(
        spec,
        &Arc::new(profile),
        &suite,
        false,
        &tests,
        |_, _, _| {},
    )
    .await;
    let report = match report {
        Ok(report) => report,
        Err(e) => {
            return Checked {
                passed: false,
                lines: vec![format!("the quick check could not run: {e}")],
            };
        }
    };
    let mut lines = Vec::new();
    let mut passed = true;
    for result in &report.results {
        match &result.status {
            Status::Fail(failed) | Status::Intermittent(failed) => {
                passed = false;
                let first = |text: &str| text.lines().next().unwrap_or_default().to_string();
                lines.push(format!(
                    "  FAIL {} ({}): expected {}; actual: {}",
                    result.id,
                    result.requirement,
                    first(&failed.expected),
                    first(&failed.actual)
                ));
                lines.push(format!(
                    "       look at {} — or the server has that bug{}",
                    keys_for(&result.id),
                    if observed.is_empty() {
                        String::new()
                    } else {
                        format!(" (the draft OBSERVED: {})", observed.join(", "))
                    }
                ));
            }
            Status::Skip { reason, .. } => lines.push(format!("  skip {}: {reason}", result.id)),
            Status::Pass { .. } => lines.push(format!("  pass {}", result.id)),
        }
    }
    Checked { passed, lines }
}
