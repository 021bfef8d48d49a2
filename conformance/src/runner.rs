//! Runs the selected tests one after another against one target (the
//! [disruptive](TestCase::disruptive) ones last, see [`in_run_order`]): gives each a fresh
//! session (unique names, its own seed and transcript), bounds it by its budget, turns what
//! it returned into a [`TestResult`], and notices when the server itself has gone wrong:
//!
//! - it exited (a spawned server): the failing test says so, the rest are not run;
//! - it stopped answering: a test failed without the server sending a single byte, and a
//!   fresh probe (two users join) fails too — the failing test says what the probe got
//!   (refused, closed at once, nothing), the rest are not run, so a server that never
//!   answers costs two timeouts, not one per test;
//! - it printed something during a failing test (a spawned server): the failure quotes it,
//!   bounded and escaped (a traceback from a handler thread names the bug);
//! - it kept using CPU after a failing test's traffic had ended (a spawned server): the
//!   failure says so, since a busy loop (e.g. on `recv()` returning `b""`) explains most of what
//!   follows (see the private `cpu_watch` module).
//!
//! - its first test failed on a first line that fits nothing in the profile: it does not
//!   look like a chat server (see the private `not_chat` module); the rest are not run.
//!
//! The runner opens no connection of its own before a test has failed: the first test's
//! users are the first clients the server sees, and an address where the first test could
//! not connect a single user is reported as unreachable ([`TargetError::Unreachable`]).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::case::TestCase;
use crate::model::{Direction, Failed, Level, Phase, SkipCause, Status, TestResult};
use crate::profile::Profile;
use crate::session::Session;
use crate::target::{Target, TargetError};
use crate::user::Timeouts;
use crate::verdict::Verdict;

mod cpu_watch;
mod not_chat;
mod repeat;

use cpu_watch::CpuWatch;
pub use repeat::{attempt_seed, combine as combine_attempts};

/// Everything a run needs besides the target.
#[derive(Clone)]
pub struct RunConfig {
    /// The server's wording; its `skip` rules are applied here, test by test.
    pub profile: Arc<Profile>,
    /// The level asked for (`--level`), for the report; [`select`] has already chosen the
    /// tests.
    pub level: Level,
    /// The run's seed (`--seed`, or random); each test gets its own from it with
    /// [`test_seed`].
    pub seed: u64,
    /// Bounds of each expectation and connection attempt, already scaled by `scale`.
    pub timeouts: Timeouts,
    /// Multiplies every test's budget (slow machines).
    pub scale: f64,
    /// Start a fresh server before each test (spawned servers only), so one bug that
    /// breaks the room for good is reported by the tests about it, not by every later one.
    pub isolate: Option<crate::target::TargetSpec>,
    /// How to start a spawned server again: once it has exited during a
    /// [disruptive](TestCase::disruptive) test, each remaining disruptive test gets a fresh
    /// one, so a server that one early leaver kills is judged by every test about early
    /// leavers, not just the first. `None` for an address target.
    pub respawn: Option<crate::target::TargetSpec>,
    /// Attempts a failing test gets in all (`--repeat`, at least 1): the later ones run
    /// it again, alone (on a fresh server with `isolate`), each with its own
    /// [`attempt_seed`].
    pub repeat: u32,
}

/// The tests of `level` (strict includes core) that match one of `filters` (all of them
/// when there is none): a filter matches a test whose id contains it, or whose requirement
/// it names (`FRAME-3`).
pub fn select<S>(tests: Vec<TestCase<S>>, level: Level, filters: &[String]) -> Vec<TestCase<S>> {
    tests
        .into_iter()
        .filter(|t| t.level <= level)
        .filter(|t| {
            filters.is_empty()
                || filters
                    .iter()
                    .any(|f| t.id.contains(f.as_str()) || t.requirement == f)
        })
        .collect()
}

/// `tests` in the order they run: every test that is not
/// [disruptive](TestCase::disruptive) first, then the disruptive ones, each part in its own
/// order. `--list` shows the catalogue order; reports show the run order.
pub fn in_run_order<S>(tests: Vec<TestCase<S>>) -> Vec<TestCase<S>> {
    let (disruptive, gentle): (Vec<_>, Vec<_>) = tests.into_iter().partition(|t| t.disruptive);
    gentle.into_iter().chain(disruptive).collect()
}

/// A test's own seed: the run's seed mixed with its id, so `--filter` does not change it.
pub fn test_seed(seed: u64, id: &str) -> u64 {
    // FNV-1a over the id, mixed with the run seed.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for byte in id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// How long a spawned server may take to start (before `--timeout-scale`): to listen when
/// it is restarted, or, where its listening socket cannot be seen, to accept its first
/// connection.
const STARTUP: Duration = Duration::from_secs(10);

/// How long a failing test's server gets to finish exiting, if it is exiting.
const EXIT_GRACE: Duration = Duration::from_millis(300);
/// The same after a failing [disruptive](TestCase::disruptive) test.
const DISRUPTIVE_EXIT_GRACE: Duration = Duration::from_secs(2);

/// Runs `tests` in order; `progress` is told when each starts and ends.
///
/// # Errors
///
/// [`TargetError::Unreachable`] when the server was never seen listening (an address
/// target) and the first test that failed had not a single user connect: nothing accepts
/// connections there, which is a usage error, not a verdict.
pub async fn run(
    target: &mut Target,
    config: &RunConfig,
    tests: &[TestCase],
    mut progress: impl FnMut(usize, &TestCase, Option<&TestResult>),
) -> Result<Vec<TestResult>, TargetError> {
    let mut results = Vec::with_capacity(tests.len());
    // Whether some user has reached the server yet: until then, a refused first connect
    // means the target is not there (or, for a spawned server, not listening yet).
    let mut reached = target.seen_listening();
    // Why the remaining tests are not run, once the server has exited or stopped answering.
    let mut stopped: Option<String> = None;
    // Whether the server exited during a disruptive test (rather than stopped answering).
    let mut exited_before = false;
    for (i, test) in tests.iter().enumerate() {
        progress(i, test, None);
        let isolated = config.isolate.as_ref().filter(|_| i > 0);
        let respawned = config
            .respawn
            .as_ref()
            .filter(|_| test.disruptive && exited_before && isolated.is_none());
        if let Some(spec) = isolated.or(respawned) {
            let why = if isolated.is_some() {
                "(--isolate)"
            } else {
                "(the server exited during an earlier test, and this one may stop it too)"
            };
            if let Err(e) = restart(target, spec, config).await {
                let mut failed = Failed::new("a fresh server accepts connections", e.to_string());
                failed.phase = Phase::Setup {
                    step: format!("restarting the server for this test {why}"),
                    requirement: test.requirement.into(),
                };
                let mut result = skeleton(test);
                result.status = Status::Fail(Box::new(failed));
                results.push(result);
                progress(i, test, results.last());
                continue;
            }
            stopped = None;
            exited_before = false;
        }
        if let Some(reason) = &stopped {
            results.push(not_run(test, reason));
            progress(i, test, results.last());
            continue;
        }
        // A server not yet reached, or freshly restarted where its listening socket could
        // not be seen (no /proc/net), gets its first connects retried while it starts.
        let startup = (!reached || !target.seen_listening()).then(|| STARTUP.mul_f64(config.scale));
        let output = target.output_mark();
        let seed = test_seed(config.seed, test.id);
        let (mut result, received) = run_one(target, config, test, startup, seed).await;
        let failed = result.status.failure().is_some();
        if !reached {
            reached = first_contact(target, &result, received)?;
        }
        // A failure may be the server dying: give its exit a moment to become visible.
        let exited = if failed {
            // A disruptive test is known to kill such servers: its failure waits longer, so
            // the crash is not blamed on the next test.
            let grace = if test.disruptive {
                DISRUPTIVE_EXIT_GRACE
            } else {
                EXIT_GRACE
            };
            target.exited_within(grace).await
        } else {
            target.has_exited()
        };
        let mut unanswered = None;
        if failed && received == 0 && config.isolate.is_none() && exited.is_none() {
            unanswered = probe(target, config).await.err();
        }
        // The first test that ran failed on a first line the profile cannot read at all.
        let first_ran = results
            .iter()
            .all(|r: &TestResult| matches!(r.status, Status::Skip { .. }));
        let alien = result
            .status
            .failure()
            .filter(|_| first_ran)
            .and_then(|f| not_chat::not_a_chat_server(&config.profile, &f.transcript));
        let exit = exited.or_else(|| target.has_exited());
        // What a spawned server printed during a failing test (its exit note quotes its
        // stderr instead).
        let printed = output
            .filter(|_| failed && exit.is_none())
            .and_then(|mark| target.printed_since(mark));
        if failed && exit.is_none() && unanswered.is_none() && alien.is_none() && config.repeat > 1
        {
            let later = repeat_failed(target, config, test, seed).await;
            result.status = repeat::combine(result.status, &later);
        }
        if let Some(verdict) = alien {
            stopped =
                Some("the target does not look like a chat server with this profile".to_owned());
            // The verdict is about the target, not about this test's requirement: it leads.
            if let Status::Fail(failed) = &mut result.status {
                failed.phase = Phase::Target {
                    verdict: format!("{verdict}; the remaining tests are not run."),
                };
                not_chat::keep_evidence(&mut failed.transcript);
            }
        } else if let Some(exit) = exit.or_else(|| target.has_exited()) {
            stopped = Some(format!("the server exited during {}", test.id));
            // Only a death in a disruptive test is answered with a fresh server: a crash
            // elsewhere is the server's verdict, and the rest is not run.
            exited_before = test.disruptive;
            result = with_note(
                result,
                &format!("the server process exited during this test: {exit}"),
            );
        } else if let Some(why) = unanswered {
            stopped = Some(format!(
                "the server stopped answering during {} (then the harness's diagnostic users \
                 got: {why})",
                test.id
            ));
            result = with_note(
                result,
                &format!(
                    "the server sent nothing at all during this test, and then two fresh users \
                     that the harness connects to check it ({}, {}) could not join either: \
                     {why}; the remaining tests are not run",
                    DIAGNOSTIC_USERS[0], DIAGNOSTIC_USERS[1]
                ),
            );
        }
        if let Some(printed) = printed
            && let Status::Fail(failed) | Status::Intermittent(failed) = &mut result.status
        {
            failed.notes.push(printed);
        }
        results.push(result);
        progress(i, test, results.last());
    }
    Ok(results)
}

/// Runs a test that failed its first attempt again until it has had `config.repeat`
/// attempts, alone (on a fresh server each time with `--isolate`); returns, for each later
/// attempt, whether it failed. Stops early when the server exits or cannot be restarted.
async fn repeat_failed(
    target: &mut Target,
    config: &RunConfig,
    test: &TestCase,
    seed: u64,
) -> Vec<bool> {
    let mut later = Vec::new();
    for attempt in 2..=config.repeat {
        if let Some(spec) = &config.isolate {
            if restart(target, spec, config).await.is_err() {
                break;
            }
        } else if target.has_exited().is_some() {
            break;
        }
        let startup = (!target.seen_listening()).then(|| STARTUP.mul_f64(config.scale));
        let (again, _) = run_one(target, config, test, startup, attempt_seed(seed, attempt)).await;
        later.push(again.status.failure().is_some());
    }
    later
}

/// Replaces `target` by a fresh server of `spec` (started within [`STARTUP`], scaled), and
/// stops the old one.
async fn restart(
    target: &mut Target,
    spec: &crate::target::TargetSpec,
    config: &RunConfig,
) -> Result<(), TargetError> {
    let fresh = Target::start(spec, STARTUP.mul_f64(config.scale)).await?;
    std::mem::replace(target, fresh).stop().await;
    Ok(())
}

/// Whether a test that ran before any user had reached the server reached it: it passed,
/// or one of its users connected, or the server sent something.
///
/// # Errors
///
/// [`TargetError::Unreachable`] when it failed without a single user connecting.
fn first_contact(target: &Target, result: &TestResult, received: u64) -> Result<bool, TargetError> {
    match result.status.failure() {
        // A skipped test may not have connected at all: it proves nothing.
        None => Ok(!matches!(result.status, Status::Skip { .. })),
        Some(failure) if anyone_connected(failure) || received > 0 => Ok(true),
        Some(failure) => Err(TargetError::Unreachable {
            address: target.label(),
            reason: failure
                .actual
                .strip_prefix("connection failed: ")
                .unwrap_or(&failure.actual)
                .to_owned(),
        }),
    }
}

/// Whether any user of a failed test connected (its transcript records `connected`).
fn anyone_connected(failure: &Failed) -> bool {
    failure
        .transcript
        .iter()
        .any(|line| line.direction == Direction::Event && line.text == "connected")
}

/// The harness's own users that check, after a failure, whether the server still serves:
/// named so that no one mistakes them for a test's users.
const DIAGNOSTIC_USERS: [&str; 2] = ["diag", "diag2"];

/// Whether the server still serves: two fresh users join (each must see what the profile
/// says a joiner sees, and the first must see the second's join). Bounded by the
/// expectation timeouts. `Err` says what went wrong.
async fn probe(target: &Target, config: &RunConfig) -> Result<(), String> {
    let session = Session::new(
        config.profile.clone(),
        target.addr(),
        config.timeouts,
        test_seed(config.seed, "runner.probe"),
    );
    let bound = config.timeouts.expect * 4 + config.timeouts.connect;
    match tokio::time::timeout(bound, session.join_all(&DIAGNOSTIC_USERS)).await {
        Ok(Ok(_users)) => Ok(()),
        Ok(Err(failure)) => Err(failure.actual),
        Err(_) => Err(format!("they were still waiting after {bound:?}")),
    }
}

/// Runs one test; also returns how many bytes the server sent to its users. With `startup`,
/// the server has not been reached yet: a refused connect of a spawned server is retried
/// for that long, since it may still be starting. `seed` is the test's (or the attempt's).
async fn run_one(
    target: &Target,
    config: &RunConfig,
    test: &TestCase,
    startup: Option<Duration>,
    seed: u64,
) -> (TestResult, u64) {
    let started = Instant::now();
    if let Some(skipped) = skipped_by_profile(&config.profile, test) {
        return (skipped, 0);
    }
    let mut result = skeleton(test);
    let mut session = Session::new(config.profile.clone(), target.addr(), config.timeouts, seed);
    session.shared.server_pid = target.pid();
    if target.pid().is_some() {
        session.shared.connect_until = startup.map(|bound| Instant::now() + bound);
    }
    let transcript = session.shared.transcript.clone();
    let received = Arc::clone(&session.shared.received);
    let notes = Arc::clone(&session.shared.notes);
    let echoed = Arc::clone(&session.shared.echoed);
    let roster = session.shared.roster.clone();
    let cpu = target.pid().and_then(CpuWatch::start);
    let budget = test.budget.mul_f64(config.scale);
    let mut outcome = tokio::time::timeout(budget, test.execute(session)).await;
    if let Some(text) = roster.written_by_two() {
        // Only the text names a line's sender (chat = "{text}"), and two users of the test
        // wrote the same one: a failure may be the harness's misreading, not the server's.
        if !config.profile.chat.has("user") && matches!(outcome, Ok(Err(Verdict::Fail(_))) | Err(_))
        {
            outcome = Ok(Err(Verdict::Skip(format!(
                "two users of this test write the same text ({}), and with chat = \"{{text}}\" \
                 a line does not name its sender: the test cannot tell their lines apart",
                crate::wire::quoted(&text)
            ))));
        }
    }
    result.duration = started.elapsed();
    let received = received.load(Ordering::Relaxed);
    let mut phase = Phase::Test;
    let (expected, actual, raised) = match outcome {
        Ok(Ok(())) => {
            result.status = Status::Pass {
                notes: std::mem::take(&mut *crate::sync::lock(&notes)),
            };
            return (result, received);
        }
        Ok(Err(Verdict::Skip(reason))) => {
            result.status = Status::Skip {
                reason,
                cause: SkipCause::Inapplicable,
            };
            return (result, received);
        }
        Ok(Err(Verdict::Fail(failure))) => {
            // A setup step that relies on another requirement than the test's own failed:
            // say so, and name that requirement (a join test failing to join is the test).
            phase = match failure.setup {
                Some(setup) if setup.requirement != test.requirement => Phase::Setup {
                    step: setup.step,
                    requirement: setup.requirement.to_owned(),
                },
                _ => Phase::Test,
            };
            (failure.expected, failure.actual, failure.raised)
        }
        Err(_) => (
            format!("the test completes within its budget of {budget:?}"),
            "it was still waiting when the budget ran out (see the transcript for the last \
             thing each user received)"
                .to_string(),
            Instant::now(),
        ),
    };
    // The server's CPU demand once the users' traffic had ended (a full transcript cannot
    // say when that was: then the watch goes on for a second after the test).
    let quiet_since = match transcript.lines().last() {
        Some(last) if transcript.accepts() => started + Duration::from_millis(last.at_ms),
        _ => Instant::now(),
    };
    let cpu = match cpu {
        Some(watch) => watch.judge_failure(quiet_since).await,
        None => None,
    };
    let mut failed = Failed::new(expected, actual);
    failed.phase = phase;
    failed.transcript = transcript.lines_until(raised);
    failed.notes.extend(cpu.and_then(|c| c.note()));
    failed.notes.extend(echo_note(test, &echoed));
    result.status = Status::Fail(Box::new(failed));
    (result, received)
}

/// The requirement an echo breaks, and the test about it.
const NO_ECHO: (&str, &str) = ("CHAT-2", "broadcast.no_echo");

/// For a test about another requirement that failed where a user received its own line
/// back: a note naming the echo, which may be all that failed (an echoing server fails
/// joins, leaves and cleanup tests on its echoes; the student should fix it first).
fn echo_note(test: &TestCase, echoed: &std::sync::Mutex<Option<String>>) -> Option<String> {
    let (requirement, test_id) = NO_ECHO;
    if test.requirement == requirement {
        return None;
    }
    let echo = crate::sync::lock(echoed).take()?;
    Some(format!(
        "{echo}: the server echoes, which {requirement} forbids ({test_id}); this failure may \
         be only that echo: fix it first"
    ))
}

/// A passing result for `test`, to be filled in.
/// The result of a test that was not run because of `reason` (the server had exited, or
/// could not be started at all): `not run: {reason}`, no points, in the total.
pub fn not_run(test: &TestCase, reason: &str) -> TestResult {
    let mut result = skeleton(test);
    result.status = Status::Skip {
        reason: format!("not run: {reason}"),
        cause: SkipCause::NotRun,
    };
    result
}

/// The result of a test of a higher level than the run's (a `level strict` scenario file in
/// a core run): skipped, saying which level runs it.
pub fn above_level<S>(test: &TestCase<S>, run: Level) -> TestResult {
    let mut result = skeleton(test);
    result.status = Status::Skip {
        reason: format!(
            "level {}: not run at --level {run} (run with --level {})",
            test.level, test.level
        ),
        cause: SkipCause::Level,
    };
    result
}

/// The result of `test` when a `skip` rule of `profile` names it, or when the profile
/// leaves its requirement out of the assignment (`join = ""`, `leave = ""`).
fn skipped_by_profile(profile: &Profile, test: &TestCase) -> Option<TestResult> {
    let reason = match profile.skip_rule(test.id, test.requirement) {
        Some(rule) => format!("skipped by the profile: {}", rule.reason),
        None => profile.not_in_assignment(test.requirement)?,
    };
    let mut result = skeleton(test);
    result.status = Status::Skip {
        reason,
        cause: SkipCause::Profile,
    };
    Some(result)
}

/// The results of `tests` when none could be run because of `reason` (a server that could
/// not be built or started): each [`not_run`], but those the profile's `skip` rules name,
/// which are skipped as in any run, so the total is the same as a run's.
pub fn none_run(profile: &Profile, tests: &[TestCase], reason: &str) -> Vec<TestResult> {
    tests
        .iter()
        .map(|t| skipped_by_profile(profile, t).unwrap_or_else(|| not_run(t, reason)))
        .collect()
}

/// A result for `test` with its metadata filled in and a pass status, for the caller to
/// complete.
pub fn skeleton<S>(test: &TestCase<S>) -> TestResult {
    TestResult {
        id: test.id.to_string(),
        level: test.level,
        requirement: test.requirement.to_string(),
        title: test.title.to_string(),
        status: Status::pass(),
        duration: Duration::ZERO,
    }
}

/// Adds what the runner noticed about the server to a test's result, which fails (a test
/// that passed while the server died fails with the note alone).
fn with_note(mut result: TestResult, note: &str) -> TestResult {
    match &mut result.status {
        Status::Fail(failed) | Status::Intermittent(failed) => failed.notes.push(note.to_string()),
        _ => {
            let mut failed = Failed::new("the server keeps running", "");
            failed.actual = note.to_string();
            result.status = Status::Fail(Box::new(failed));
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_includes_core_and_filter_narrows() {
        let all = crate::catalogue::all();
        let core = select(all.clone(), Level::Core, &[]);
        let strict = select(all.clone(), Level::Strict, &[]);
        assert!(core.iter().all(|t| t.level == Level::Core));
        assert!(strict.len() > core.len());
        let joins = select(all.clone(), Level::Strict, &["join.".to_string()]);
        assert!(!joins.is_empty() && joins.iter().all(|t| t.id.starts_with("join.")));
        // Several filters add up; a requirement id selects the tests of that requirement.
        let filters = ["join.".to_string(), "FRAME-3".to_string()];
        let both = select(all, Level::Core, &filters);
        assert!(both.iter().any(|t| t.id == "broadcast.concurrent"));
        assert!(
            both.iter()
                .all(|t| t.id.starts_with("join.") || t.requirement == "FRAME-3")
        );
    }

    #[test]
    fn disruptive_tests_run_last_in_their_own_order() {
        let case = |id: &'static str| TestCase::core(id, "JOIN-1", "t");
        let tests = vec![
            case("a.1").disruptive().run(|_s| async { Ok(()) }),
            case("a.2").run(|_s| async { Ok(()) }),
            case("a.3").disruptive().run(|_s| async { Ok(()) }),
            case("a.4").run(|_s| async { Ok(()) }),
        ];
        let order: Vec<&str> = in_run_order(tests).iter().map(|t| t.id).collect();
        assert_eq!(order, ["a.2", "a.4", "a.1", "a.3"]);
        let catalogue = in_run_order(select(crate::catalogue::all(), Level::Core, &[]));
        let last: Vec<&str> = catalogue.iter().rev().take(2).rev().map(|t| t.id).collect();
        assert_eq!(last, ["join.silent_client", "join.early_close"]);
    }

    /// Where the listening socket cannot be seen, the first connects are retried until the
    /// startup deadline (and only then): the fallback readiness wait.
    #[tokio::test]
    async fn refused_connects_are_retried_only_until_the_startup_deadline() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
        let timeouts = Timeouts {
            expect: Duration::from_secs(1),
            connect: Duration::from_secs(1),
        };
        let profile = Arc::new(Profile::reference());
        let once = Session::new(profile.clone(), addr, timeouts, 1);
        let started = Instant::now();
        assert!(once.connect("ana").await.is_err());
        assert!(
            started.elapsed() < Duration::from_millis(200),
            "one attempt"
        );

        let mut retried = Session::new(profile, addr, timeouts, 1);
        let window = Duration::from_millis(300);
        retried.shared.connect_until = Some(Instant::now() + window);
        let started = Instant::now();
        let failure = retried.connect("ana").await.err().unwrap();
        let waited = started.elapsed();
        assert!(waited >= window, "gave up after {waited:?}");
        assert!(waited < window + Duration::from_secs(1), "{waited:?}");
        assert!(failure.actual.contains("refused"), "{}", failure.actual);
    }

    #[test]
    fn seeds_depend_on_run_seed_and_id_only() {
        assert_eq!(test_seed(7, "join.single"), test_seed(7, "join.single"));
        assert_ne!(test_seed(7, "join.single"), test_seed(8, "join.single"));
        assert_ne!(test_seed(7, "join.single"), test_seed(7, "join.many"));
    }
}
