//! One run of `conformance` against a fixture server (or, with `conformance client`, a
//! fixture client), read back from its JSON report, and a pool that runs many of them a few
//! at a time.

use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chat_test_support::root;
use serde_json::Value;

/// How many runs at once. They mostly wait on timeouts, not on the CPU.
const PARALLEL: usize = 4;
/// A fixed seed, so a failure here can be replayed exactly.
pub const SEED: &str = "20261126";

/// What to run: a server command (`{port}` included), its profile, a level, and the
/// `--filter`s that narrow it (none: every test of the level). A judgement of a bug runs
/// `--isolate`: a fresh server per test, so a bug is credited to the tests about it, not to
/// every test after the room broke.
pub struct Run {
    pub server_cmd: String,
    pub profile: String,
    pub level: &'static str,
    pub filters: Vec<String>,
    /// Nothing to run: the outcome is empty (a baseline no bug needs).
    pub skip: bool,
    /// A fresh server per test (`--isolate`); otherwise one server for the run.
    pub isolate: bool,
    /// Attempts per test (`--repeat`): more than one for a bug only a race shows.
    pub repeat: u32,
}

/// One test's line of the report.
pub struct TestResult {
    pub id: String,
    pub requirement: String,
    pub status: String,
    /// What the report says of it (requirement, expected, actual) when it failed.
    pub detail: String,
}

/// What a run gave: its exit code and its tests, or why there was no report.
pub struct Outcome {
    pub exit: Option<i32>,
    pub tests: Vec<TestResult>,
    pub problem: Option<String>,
}

impl Outcome {
    pub fn failed(&self) -> impl Iterator<Item = &TestResult> {
        self.tests.iter().filter(|t| t.status == "fail")
    }

    pub fn status_of(&self, id: &str) -> Option<&str> {
        self.tests
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.status.as_str())
    }

    /// `34 passed`, `27 passed, 7 skipped`, or why there is no report.
    pub fn summary(&self) -> String {
        if let Some(problem) = &self.problem {
            return problem.clone();
        }
        let count = |s: &str| self.tests.iter().filter(|t| t.status == s).count();
        let mut parts = vec![format!("{} passed", count("pass"))];
        for (status, word) in [("fail", "failed"), ("skip", "skipped")] {
            if count(status) > 0 {
                parts.push(format!("{} {word}", count(status)));
            }
        }
        parts.join(", ")
    }
}

/// Something to run that gives an [`Outcome`]: a server run, a client run.
pub trait Execute {
    fn execute(&self) -> Outcome;
}

impl Execute for Run {
    fn execute(&self) -> Outcome {
        if self.skip {
            return Outcome {
                exit: None,
                tests: Vec::new(),
                problem: None,
            };
        }
        let mut command = conformance();
        if self.isolate {
            command.arg("--isolate");
        }
        command
            .args(["--format", "json", "--seed", SEED])
            .args(["--level", self.level, "--profile", &self.profile])
            .args(["--server-cmd", &self.server_cmd]);
        for filter in &self.filters {
            command.args(["--filter", filter]);
        }
        if self.repeat > 1 {
            command.args(["--repeat", &self.repeat.to_string()]);
        }
        outcome_of(command)
    }
}

/// The `conformance` binary, to run from the workspace root, without colours.
pub fn conformance() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_conformance"));
    command.current_dir(root()).env("NO_COLOR", "1");
    command
}

/// Runs `command` (a run with `--format json` to standard output) and reads its report.
pub fn outcome_of(mut command: Command) -> Outcome {
    let out = command.output().expect("conformance runs");
    let exit = out.status.code();
    let Ok(report) = serde_json::from_slice::<Value>(&out.stdout) else {
        return Outcome {
            exit,
            tests: Vec::new(),
            problem: Some(format!(
                "no report (exit {exit:?}): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )),
        };
    };
    let text = |t: &Value, key: &str| t[key].as_str().unwrap_or_default().to_string();
    let tests = report["tests"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| TestResult {
            id: text(t, "id"),
            requirement: text(t, "requirement"),
            status: text(t, "status"),
            detail: text(t, "detail"),
        })
        .collect();
    Outcome {
        exit,
        tests,
        problem: None,
    }
}

/// Runs every run, `PARALLEL` at a time; the outcomes in the runs' order.
pub fn run_all<T: Execute + Sync>(runs: &[T]) -> Vec<Outcome> {
    pool(runs, PARALLEL, T::execute)
}

/// `work` on every item, `parallel` at a time; the results in the items' order.
pub fn pool<T: Sync, R: Send>(
    items: &[T],
    parallel: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..parallel {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(i) else { break };
                    let result = work(item);
                    results.lock().unwrap()[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|o| o.expect("every item was worked on"))
        .collect()
}

/// Which failures count as catching a bug: a test of one of its groups, or of one of its
/// requirements.
#[derive(Clone)]
pub struct Catch {
    pub groups: Vec<String>,
    pub requirements: Vec<String>,
}

impl Catch {
    pub fn covers(&self, test: &TestResult) -> bool {
        let group = test.id.split('.').next().unwrap_or_default();
        self.groups.iter().any(|g| g == group) || self.requirements.contains(&test.requirement)
    }
}
