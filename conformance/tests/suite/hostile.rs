//! The harness against hostile servers (`fixtures/hostile/hostile_server.py --mode NAME`):
//! whatever a server does — never answer, close at once, refuse, send junk bytes, flood,
//! drip, crash, spin — the run ends promptly with a verdict that names what happened, and
//! the harness's memory stays bounded.
//!
//! Every run is bounded by [`HANG_BOUND`], a hang detector rather than a speed requirement,
//! and no test of a run may outlast its own budget. Each run's wall time and the harness's
//! peak memory are printed (`cargo test hostile -- --nocapture` shows them).

use std::collections::HashMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{path, root};

/// Longest a whole run may take before it counts as hung (it is killed then).
const HANG_BOUND: Duration = Duration::from_secs(60);
/// How often the running harness's memory is sampled (and its exit checked).
const SAMPLE_EVERY: Duration = Duration::from_millis(20);
/// Most memory the harness may use, whatever the server sends (a flood moves hundreds of
/// megabytes through it).
const RSS_BOUND_KIB: u64 = 128 * 1024;
/// Time a test may run past its budget: the runner's teardown after the budget.
const BUDGET_SLACK: Duration = Duration::from_secs(2);

/// One finished run of `conformance --format json` against a hostile server.
struct Run {
    mode: String,
    code: Option<i32>,
    report: Value,
    stderr: String,
}

impl Run {
    fn tests(&self) -> &[Value] {
        self.report["tests"].as_array().map_or(&[], Vec::as_slice)
    }

    fn with_status(&self, status: &str) -> Vec<&Value> {
        self.tests()
            .iter()
            .filter(|t| t["status"] == status)
            .collect()
    }

    /// The one failed test (and that every other test was not run).
    fn only_failure(&self) -> &Value {
        let failed = self.with_status("fail");
        assert_eq!(failed.len(), 1, "{}: {}", self.mode, self.report);
        let skipped = self.with_status("skip");
        assert_eq!(
            skipped.len() + 1,
            self.tests().len(),
            "{}: {}",
            self.mode,
            self.report
        );
        failed[0]
    }

    /// Every skipped test says why, starting with `prefix`.
    fn all_skipped_with(&self, prefix: &str) {
        for skipped in self.with_status("skip") {
            let detail = skipped["detail"].as_str().unwrap_or_default();
            assert!(detail.starts_with(prefix), "{}: {detail}", self.mode);
        }
    }

    fn actual(test: &Value) -> &str {
        test["actual"].as_str().unwrap_or_default()
    }
}

/// Runs the suite against `hostile_server.py --mode MODE`, sampling the harness's memory,
/// and checks what every run must show: it ended within [`HANG_BOUND`] with exit code 1 (a
/// verdict on the server), no test outlasted its budget, and memory stayed bounded.
fn run(mode: &str, suite_args: &[&str]) -> Run {
    let server = format!(
        "python3 {} --mode {mode} --port {{port}}",
        path("fixtures/hostile/hostile_server.py")
    );
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("conformance"))
        .current_dir(root())
        .env_remove("CONFORMANCE_TIMEOUT_SCALE")
        .env("NO_COLOR", "1")
        .args(["--server-cmd", &server, "--format", "json", "--seed", "7"])
        .args(suite_args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the conformance binary runs");
    let pipe = |mut p: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = Vec::new();
            let _ = p.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = pipe(Box::new(child.stdout.take().expect("piped")));
    let stderr = pipe(Box::new(child.stderr.take().expect("piped")));
    let started = Instant::now();
    let mut peak_rss_kib = 0;
    let status = loop {
        if let Some(kib) = vm_hwm_kib(child.id()) {
            peak_rss_kib = peak_rss_kib.max(kib);
        }
        if let Some(status) = child.try_wait().expect("wait for conformance") {
            break status;
        }
        if started.elapsed() > HANG_BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{mode}: the run did not end within {HANG_BOUND:?}");
        }
        thread::sleep(SAMPLE_EVERY);
    };
    let wall = started.elapsed();
    let stdout = stdout.join().expect("stdout reader");
    let stderr = stderr.join().expect("stderr reader");
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{mode}: the report is not JSON ({e}): {stdout}{stderr}"));
    let run = Run {
        mode: mode.to_string(),
        code: status.code(),
        report,
        stderr,
    };
    eprintln!(
        "hostile {mode:<20} exit {:?}  {:>6.2}s  harness peak RSS {:>6} KiB  {}",
        run.code,
        wall.as_secs_f64(),
        peak_rss_kib,
        run.report["summary"]
    );
    assert_eq!(run.code, Some(1), "{mode}: {}{}", run.report, run.stderr);
    assert!(
        peak_rss_kib < RSS_BOUND_KIB,
        "{mode}: the harness grew to {peak_rss_kib} KiB"
    );
    within_budgets(&run);
    run
}

/// No test ran longer than its own budget (plus the teardown after it).
fn within_budgets(run: &Run) {
    let budgets: HashMap<&str, Duration> = conformance::catalogue::all()
        .into_iter()
        .map(|t| (t.id, t.budget))
        .collect();
    for test in run.tests() {
        let id = test["id"].as_str().unwrap_or_default();
        let took = Duration::from_millis(test["duration_ms"].as_u64().unwrap_or_default());
        let budget = budgets
            .get(id)
            .copied()
            .unwrap_or(conformance::catalogue::BUDGET);
        assert!(
            took <= budget + BUDGET_SLACK,
            "{}: {id} took {took:?}, over its budget of {budget:?}",
            run.mode
        );
    }
}

/// `VmHWM` (peak resident memory) of a live process, in KiB.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The whole core catalogue against a server that never says anything: one test waits for
/// it, a probe confirms, and the rest are not run (two timeouts, not one per test).
#[test]
fn a_silent_server_is_reported_once() {
    let run = run("silent", &[]);
    let failed = run.only_failure();
    let actual = Run::actual(failed);
    assert!(
        actual.contains("the server has sent nothing at all on this connection"),
        "{actual}"
    );
    assert!(
        actual.contains("the remaining tests are not run"),
        "{actual}"
    );
    run.all_skipped_with("not run: the server stopped answering during join.single");
}

/// Closed before or after the name arrived: a clean close, or a reset when the name was
/// still unread in the server's buffer (or a failed write, when it came first).
#[test]
fn a_server_that_closes_at_once_is_reported_once() {
    let run = run("close", &[]);
    let actual = Run::actual(run.only_failure());
    assert!(
        [
            "the server closed the connection",
            "the connection broke",
            "write failed"
        ]
        .iter()
        .any(|how| actual.contains(how)),
        "{actual}"
    );
    assert!(actual.contains("could not join either"), "{actual}");
    run.all_skipped_with("not run: the server stopped answering during join.single");
}

/// The harness's own start-up probe is the one connection this server accepts.
#[test]
fn a_server_that_refuses_after_its_first_connection_is_reported_once() {
    let run = run("refuse-after-first", &[]);
    let actual = Run::actual(run.only_failure());
    assert!(actual.contains("connection failed"), "{actual}");
    assert!(actual.contains("refused"), "{actual}");
}

/// Junk is reported as what it is, escaped: the report never carries a raw control byte.
/// A server whose first line is junk does not look like a chat server: its first test says
/// so, quoting the line, and the rest are not run.
#[test]
fn junk_bytes_are_reported_escaped() {
    for (mode, shown) in [
        ("garbage", "OTHER \""),
        ("invalid-utf8", "\u{FFFD}"),
        ("nul", "\\u{0}"),
        ("ansi", "\\u{1b}[2J"),
    ] {
        let run = run(mode, &[]);
        let actual = Run::actual(run.only_failure());
        assert!(actual.contains(shown), "{mode}: {actual}");
        let detail = run.only_failure()["detail"].as_str().unwrap_or_default();
        assert!(
            detail.starts_with("This does not look like a chat server"),
            "{mode}: {detail}"
        );
        run.all_skipped_with("not run: the target does not look like a chat server");
        for test in run.tests() {
            let transcript = test["transcript"].as_array().cloned().unwrap_or_default();
            let texts = transcript.iter().map(|l| &l["text"]);
            for text in texts.chain([&test["actual"], &test["detail"]]) {
                let text = text.as_str().unwrap_or_default();
                assert!(
                    !text.chars().any(|c| c.is_control() && c != '\n'),
                    "{mode}: a raw control character reached the report: {text:?}"
                );
            }
        }
    }
}

/// Hundreds of megabytes without a newline, then lines just under the cut: the harness
/// reads on with bounded memory (see [`run`]) and says what it got — the cut line, or, if
/// the 200 MiB have not all arrived within the timeout, how much had.
#[test]
fn a_flood_is_cut_and_memory_stays_bounded() {
    let run = run("flood", &["--filter", "join.single"]);
    let actual = Run::actual(run.only_failure()).to_string();
    let volume = |before: &str| -> Option<u64> {
        let (_, rest) = actual.split_once(before)?;
        rest.split(' ').next()?.parse().ok()
    };
    let bytes = volume("<a line of ")
        .or_else(|| volume("so far; "))
        .unwrap_or_else(|| panic!("the verdict does not say what arrived: {actual}"));
    assert!(bytes > 64 * 1024, "{actual}");
    eprintln!("hostile flood: {} MiB read on one connection", bytes >> 20);
}

/// The same flood through a chunk-framed profile: the chunk decoder cuts unknown text too.
#[test]
fn a_flood_through_chunk_framing_stays_bounded() {
    let profile = path("fixtures/profiles/seed-chunk.toml");
    let run = run("flood", &["--profile", &profile, "--filter", "join.single"]);
    let actual = Run::actual(run.only_failure());
    assert!(
        actual.contains("a message was still arriving") || actual.contains("unexpected text"),
        "{actual}"
    );
}

/// One byte every 300 ms: the expectation times out and says what was arriving.
#[test]
fn a_dripping_server_is_shown_mid_message() {
    let run = run("drip", &["--filter", "join.single"]);
    let actual = Run::actual(run.only_failure());
    assert!(
        actual.contains("a message was still arriving, without its end: \"B"),
        "{actual}"
    );
}

/// The process exits at the first chat message: one failure that says so, with its stderr;
/// every later test is not run.
#[test]
fn a_crash_is_reported_as_a_crash() {
    let profile = path("fixtures/profiles/seed.toml");
    let run = run("crash", &["--profile", &profile]);
    let actual = Run::actual(run.only_failure());
    assert!(
        actual.contains("the server process exited during this test"),
        "{actual}"
    );
    assert!(actual.contains("exit status: 70"), "{actual}");
    assert!(actual.contains("ZeroDivisionError"), "{actual}");
    run.all_skipped_with("not run: the server exited during");
}

/// A handler that loops on `recv()` returning `b""`: the leave never comes, and the
/// failure says the server was burning a CPU core.
#[test]
fn a_server_spinning_after_a_fin_is_reported_as_busy() {
    let profile = path("fixtures/profiles/seed.toml");
    let run = run(
        "spin",
        &["--profile", &profile, "--filter", "leave.fin_idle"],
    );
    let failed = run.only_failure();
    let expected = failed["expected"].as_str().unwrap_or_default();
    assert!(expected.contains("LEAVE beto"), "{expected}");
    let actual = Run::actual(failed);
    assert!(actual.contains("spinning in a busy loop"), "{actual}");
}
