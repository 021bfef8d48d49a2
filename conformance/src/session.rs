//! What one test works with: the target's address, the profile, unique user names, the
//! shared transcript, and the building blocks every scenario uses — joining a room of users,
//! and barriers that prove "nothing else arrived" without sleeping.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::model::{Direction, TranscriptLine};
use crate::profile::Profile;
use crate::user::User;
use crate::wire::{Event, cut, visible};

/// Locks a mutex even if a task panicked while holding it: the data here (names, transcript
/// lines) stays consistent line by line, and a report is better than a second panic.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The users of one test: wire name (unique on the server) ↔ script name (`ana`).
#[derive(Clone, Default)]
pub struct Roster(Arc<Mutex<Names>>);

#[derive(Default)]
struct Names {
    by_wire: HashMap<String, String>,
    /// (wire, script), longest wire name first, so `ana_x1` is never half-replaced by a
    /// shorter name; kept sorted as names are registered.
    replacements: Vec<(String, String)>,
}

impl Roster {
    pub fn register(&self, wire: &str, script: &str) {
        let mut names = lock(&self.0);
        if names
            .by_wire
            .insert(wire.to_string(), script.to_string())
            .is_none()
        {
            let at = names
                .replacements
                .partition_point(|(w, _)| w.len() >= wire.len());
            names
                .replacements
                .insert(at, (wire.to_string(), script.to_string()));
        }
    }
    /// True when `wire` is one of this test's users (traffic of others is ignored).
    pub fn knows(&self, wire: &str) -> bool {
        lock(&self.0).by_wire.contains_key(wire)
    }
    /// Replaces wire names by script names, for transcripts and snapshots.
    pub fn normalise(&self, text: &str) -> String {
        let names = lock(&self.0);
        let mut out = text.to_string();
        for (wire, script) in &names.replacements {
            if out.contains(wire.as_str()) {
                out = out.replace(wire.as_str(), script);
            }
        }
        out
    }
}

/// Every message a chunk-framed server may send in this test, used to cut its stream.
#[derive(Clone, Default)]
pub struct Lexicon(Arc<Mutex<HashSet<Vec<u8>>>>);

impl Lexicon {
    pub fn add(&self, message: String) {
        lock(&self.0).insert(message.into_bytes());
    }
    pub fn snapshot(&self) -> Vec<Vec<u8>> {
        lock(&self.0).iter().cloned().collect()
    }
}

/// Longest transcript kept for one test; later lines are counted, not stored.
const TRANSCRIPT_LIMIT: usize = 4000;
/// Longest text of one transcript line; the rest is summarised.
const LINE_LIMIT: usize = 300;

/// The lines kept, when each was recorded, and how many were not kept.
#[derive(Default)]
struct Lines {
    kept: Vec<(Instant, TranscriptLine)>,
    dropped: usize,
}

/// The timestamped log of what every simulated user sent and received.
#[derive(Clone)]
pub struct Transcript {
    started: Instant,
    inner: Arc<Mutex<Lines>>,
    /// The same story as protocol events per user (`ana: CHAT beto hola`), for snapshots.
    events: Arc<Mutex<Vec<(String, String)>>>,
    /// Set when the test is over: what its users' teardown causes is not part of the story.
    frozen: Arc<std::sync::atomic::AtomicBool>,
}

impl Transcript {
    pub fn new() -> Self {
        Transcript {
            started: Instant::now(),
            inner: Arc::default(),
            events: Arc::default(),
            frozen: Arc::default(),
        }
    }
    pub fn record(&self, user: &str, direction: Direction, text: &str) {
        if self.is_frozen() {
            return;
        }
        let mut inner = lock(&self.inner);
        if inner.kept.len() >= TRANSCRIPT_LIMIT {
            inner.dropped += 1;
            return;
        }
        let now = Instant::now();
        let text = visible(&cut(text, LINE_LIMIT));
        let line = TranscriptLine {
            at_ms: now.duration_since(self.started).as_millis() as u64,
            user: user.to_string(),
            direction,
            text,
        };
        inner.kept.push((now, line));
    }
    /// False once nothing more will be kept (frozen, or full): callers can skip the work of
    /// preparing a line.
    pub fn accepts(&self) -> bool {
        !self.is_frozen() && lock(&self.inner).kept.len() < TRANSCRIPT_LIMIT
    }

    /// Ends the transcript: later records are ignored.
    pub fn freeze(&self) {
        self.frozen.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn is_frozen(&self) -> bool {
        self.frozen.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Records a protocol event (received, or an action such as `SAY hola`) in the test's
    /// names; kept up to the same limit as the lines.
    pub fn event(&self, user: &str, event: String) {
        if self.is_frozen() {
            return;
        }
        let mut events = lock(&self.events);
        if events.len() < TRANSCRIPT_LIMIT {
            events.push((user.to_string(), event));
        }
    }

    /// Each user's events in order, users sorted by name: stable across runs and wordings.
    pub fn events_by_user(&self) -> Vec<(String, Vec<String>)> {
        let mut by_user: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (user, event) in lock(&self.events).iter() {
            by_user.entry(user.clone()).or_default().push(event.clone());
        }
        by_user.into_iter().collect()
    }

    /// The lines so far, plus a note of how many were not kept.
    pub fn lines(&self) -> Vec<TranscriptLine> {
        self.lines_until(Instant::now())
    }

    /// The lines recorded up to `end` (e.g. when a failure was raised).
    pub fn lines_until(&self, end: Instant) -> Vec<TranscriptLine> {
        let inner = lock(&self.inner);
        let mut lines: Vec<TranscriptLine> = inner
            .kept
            .iter()
            .take_while(|(at, _)| *at <= end)
            .map(|(_, line)| line.clone())
            .collect();
        if inner.dropped > 0 {
            lines.push(TranscriptLine {
                at_ms: self.started.elapsed().as_millis() as u64,
                user: "-".into(),
                direction: Direction::Event,
                text: format!("… {} more lines not kept", inner.dropped),
            });
        }
        lines
    }
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new()
    }
}

/// A failed expectation: what would have been acceptable, and what happened.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Every acceptable outcome.
    pub expected: String,
    /// What happened instead.
    pub actual: String,
    /// When the failure was found: the transcript in the report stops here, so that what
    /// the test's teardown causes (connections closing) is not mistaken for the story.
    pub raised: Instant,
}

impl Failure {
    pub fn new(expected: impl Into<String>, actual: impl Into<String>) -> Self {
        Failure {
            expected: expected.into(),
            actual: actual.into(),
            raised: Instant::now(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expected: {}\nActual: {}", self.expected, self.actual)
    }
}

/// How a test ended when it did not pass.
#[derive(Debug, Clone)]
pub enum Verdict {
    Fail(Failure),
    /// The test does not apply to this server (e.g. no quit word in the profile).
    Skip(String),
}

impl From<Failure> for Verdict {
    fn from(f: Failure) -> Self {
        Verdict::Fail(f)
    }
}

/// What a test returns.
pub type Outcome = Result<(), Verdict>;

/// Bounds on waiting.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// How long one expectation may wait for its event.
    pub expect: Duration,
    /// How long a connection attempt may take.
    pub connect: Duration,
}

/// Shared by a test's users: configuration and logs.
#[derive(Clone)]
pub struct Shared {
    pub profile: Arc<Profile>,
    pub addr: SocketAddr,
    pub timeouts: Timeouts,
    pub roster: Roster,
    pub lexicon: Lexicon,
    pub transcript: Transcript,
    /// The server's process id, when the harness started it (for resource checks).
    pub server_pid: Option<u32>,
    /// Bytes the server sent to this test's users, all connections together: zero after a
    /// failed test means the server never answered (the runner then checks it is alive).
    pub received: Arc<std::sync::atomic::AtomicU64>,
}

/// How every sentinel text starts; test messages never do.
pub const SENTINEL_PREFIX: &str = "sync-";

/// True for the harness's own barrier messages.
pub fn is_sentinel(text: &str) -> bool {
    text.starts_with(SENTINEL_PREFIX)
}

/// The context of one test.
pub struct Session {
    pub shared: Shared,
    /// The scenario this test runs, for tests written as scenario files.
    pub script: Option<std::sync::Arc<crate::scenario::Script>>,
    rng: StdRng,
    tag: String,
    sentinels: u64,
}

impl Session {
    pub fn new(profile: Arc<Profile>, addr: SocketAddr, timeouts: Timeouts, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let tag: String = (0..4)
            .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
            .collect();
        Session {
            shared: Shared {
                profile,
                addr,
                timeouts,
                roster: Roster::default(),
                lexicon: Lexicon::default(),
                transcript: Transcript::new(),
                server_pid: None,
                received: Arc::default(),
            },
            script: None,
            rng,
            tag,
            sentinels: 0,
        }
    }

    pub fn profile(&self) -> &Profile {
        &self.shared.profile
    }

    /// Threads, file descriptors and memory of the server process, when the harness
    /// started it (Linux only).
    pub fn server_stats(&self) -> Option<crate::target::ProcessStats> {
        crate::target::process_stats(self.shared.server_pid?)
    }

    /// The test's random source (seeded: `--seed` reproduces it).
    pub fn rng(&mut self) -> &mut StdRng {
        &mut self.rng
    }

    /// The unique name on the wire for a script name: `ana` → `ana_qxkz`.
    pub fn wire_name(&self, script: &str) -> String {
        format!("{script}_{}", self.tag)
    }

    /// Declares a user of this test (so its traffic is not ignored) and returns its wire name.
    pub fn declare(&self, script: &str) -> String {
        let wire = self.wire_name(script);
        self.shared.roster.register(&wire, script);
        let p = &self.shared.profile;
        for message in [p.join.render(&wire, ""), p.leave.render(&wire, "")] {
            self.shared.lexicon.add(message);
        }
        if let Some(welcome) = &p.welcome {
            self.shared.lexicon.add(welcome.render(&wire, ""));
        }
        wire
    }

    /// Connects a user without sending a name.
    pub async fn connect(&self, script: &str) -> Result<User, Failure> {
        let wire = self.declare(script);
        User::connect(self.shared.clone(), script, &wire).await
    }

    /// Connects a user and sends its name, waiting for the welcome line when the profile has
    /// one. The user is registered when this returns, if the server has a welcome line;
    /// otherwise see [`Session::join_all`].
    pub async fn join(&self, script: &str) -> Result<User, Failure> {
        let mut user = self.connect(script).await?;
        user.send_name().await?;
        if self.profile().welcome.is_some() {
            user.expect_welcome().await?;
        }
        if self.profile().announce_self {
            let me = Event::Join {
                user: user.wire.clone(),
            };
            user.expect(&me).await?;
        }
        Ok(user)
    }

    /// Joins users one after another; every user already present must see each later join
    /// exactly once, as its next event (JOIN-2). Returns them in join order.
    pub async fn join_all(&self, scripts: &[&str]) -> Result<Vec<User>, Failure> {
        let mut users: Vec<User> = Vec::with_capacity(scripts.len());
        for script in scripts {
            let mut user = self.join(script).await?;
            if users.len() == 1 && self.profile().welcome.is_none() {
                // Without a welcome line nothing tells us the first user was registered
                // before the second: accept either order of the first two joins.
                let first = &mut users[0];
                let seen_by_first = Event::Join {
                    user: user.wire.clone(),
                };
                let seen_by_second = Event::Join {
                    user: first.wire.clone(),
                };
                tokio::select! {
                    r = first.expect(&seen_by_first) => r?,
                    r = user.expect(&seen_by_second) => r?,
                }
            } else {
                let join = Event::Join {
                    user: user.wire.clone(),
                };
                for present in users.iter_mut() {
                    present.expect(&join).await?;
                }
            }
            users.push(user);
        }
        Ok(users)
    }

    /// A fresh sentinel text, unique in this test.
    pub fn sentinel(&mut self) -> String {
        self.sentinels += 1;
        format!("{SENTINEL_PREFIX}{}-{}", self.tag, self.sentinels)
    }

    /// Proves what did not arrive: `sender` sends a unique sentinel; every user in
    /// `observers` must receive it. Returns, per observer, every event before the sentinel.
    /// With an echoing profile the sender's own echo is consumed too.
    pub async fn barrier(
        &mut self,
        sender: &mut User,
        observers: &mut [&mut User],
    ) -> Result<Vec<Vec<Event>>, Failure> {
        let text = self.sentinel();
        sender.say(&text).await?;
        let sentinel = Event::Chat {
            user: sender.wire.clone(),
            text,
        };
        let mut before = Vec::with_capacity(observers.len());
        for observer in observers.iter_mut() {
            before.push(observer.collect_until(&sentinel).await?);
        }
        if self.profile().echo {
            sender.collect_until(&sentinel).await?;
        }
        Ok(before)
    }
}
