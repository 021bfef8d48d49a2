//! Runs the selected client tests one after another: each starts its own client on its own
//! terminal (killed when the test ends, however it ends), is bounded by its budget, and its
//! outcome becomes a [`TestResult`] like a server test's; a failure carries the transcript
//! of the wire and the keys, and the client's screen as it was.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::catalogue::ClientTest;
use super::session::ClientSession;
use super::terminal::Display;
use crate::model::{Failed, Phase, SkipCause, Status, TestResult};
use crate::profile::Profile;
use crate::runner::{attempt_seed, combine_attempts, skeleton, test_seed};
use crate::sync::lock;
use crate::transcript::Transcript;
use crate::user::Timeouts;
use crate::verdict::Verdict;

/// Everything a client run needs.
#[derive(Clone)]
pub struct ClientRun {
    /// The server's wording the harness speaks, and the `[client]` table.
    pub profile: Arc<Profile>,
    /// The client's command line, `{host}` and `{port}` in it.
    pub command: String,
    /// The port the client is hard-coded to (`--listen`).
    pub listen: Option<u16>,
    /// Bounds of each expectation and of the connection, already scaled.
    pub timeouts: Timeouts,
    /// Multiplies every test's budget.
    pub scale: f64,
    /// The run's seed.
    pub seed: u64,
    /// Attempts a failing test gets in all (`--repeat`).
    pub repeat: u32,
}

/// Runs `tests` in order; `progress` is told when each starts.
pub async fn run(
    config: &ClientRun,
    tests: &[ClientTest],
    mut progress: impl FnMut(usize, &ClientTest),
) -> Vec<TestResult> {
    let mut results = Vec::with_capacity(tests.len());
    for (i, test) in tests.iter().enumerate() {
        progress(i, test);
        let seed = test_seed(config.seed, test.id);
        let mut result = run_one(config, test, seed).await;
        if result.status.failure().is_some() && config.repeat > 1 {
            let mut later = Vec::new();
            for attempt in 2..=config.repeat {
                let again = run_one(config, test, attempt_seed(seed, attempt)).await;
                later.push(again.status.failure().is_some());
            }
            result.status = combine_attempts(result.status, &later);
        }
        results.push(result);
    }
    results
}

async fn run_one(config: &ClientRun, test: &ClientTest, seed: u64) -> TestResult {
    let started = Instant::now();
    let mut result = skeleton(test);
    if let Some(rule) = config.profile.skip_rule(test.id, test.requirement) {
        result.status = Status::Skip {
            reason: format!("skipped by the profile: {}", rule.reason),
            cause: SkipCause::Profile,
        };
        return result;
    }
    let transcript = Transcript::new();
    let screen = Arc::new(Mutex::new(None));
    let session = ClientSession {
        profile: Arc::clone(&config.profile),
        command: config.command.clone(),
        listen: config.listen,
        timeouts: config.timeouts,
        transcript: transcript.clone(),
        seed,
        screen: Arc::clone(&screen),
    };
    let budget = test.budget.mul_f64(config.scale);
    // The session (and with it the client) is dropped when the test ends: the client is
    // killed before the screen is read, so what it shows is what it showed at the end.
    let outcome = tokio::time::timeout(budget, test.execute(session)).await;
    result.duration = started.elapsed();
    let (failure, raised) = match outcome {
        Ok(Ok(())) => return result,
        Ok(Err(Verdict::Skip(reason))) => {
            result.status = Status::Skip {
                reason,
                cause: SkipCause::Inapplicable,
            };
            return result;
        }
        Ok(Err(Verdict::Fail(failure))) => {
            let raised = failure.raised;
            let mut failed = Failed::new(failure.expected, failure.actual);
            if let Some(setup) = failure.setup.filter(|s| s.requirement != test.requirement) {
                failed.phase = Phase::Setup {
                    step: setup.step,
                    requirement: setup.requirement.to_owned(),
                };
            }
            (failed, raised)
        }
        Err(_) => (
            Failed::new(
                format!("the test completes within its budget of {budget:?}"),
                "it was still waiting when the budget ran out",
            ),
            Instant::now(),
        ),
    };
    let mut failed = failure;
    failed.transcript = transcript.lines_until(raised);
    if let Some(screen) = lock(&screen).as_ref() {
        failed.notes.push(screen.look(screen_note));
    }
    result.status = Status::Fail(Box::new(failed));
    result
}

/// The screen as a note of a failure: its rows, numbered, escaped.
fn screen_note(display: &Display) -> String {
    let text = display.screen_text();
    if text.is_empty() {
        "The client's screen was blank.".to_owned()
    } else {
        format!("The client's screen:\n{text}")
    }
}
