//! What one test works with: the target's address, the profile, unique user names, the
//! shared transcript, and the building blocks every scenario uses — joining a room of users,
//! and barriers that prove "nothing else arrived" without sleeping.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::procfs::ProcessStats;
use crate::profile::Profile;
use crate::transcript::Transcript;
use crate::user::{Shared, Timeouts, User};
use crate::verdict::Failure;
use crate::wire::{Event, Lexicon, Roster, SENTINEL_PREFIX};

/// The context of one test.
pub struct Session {
    /// What every user of this test shares (profile, address, timeouts, roster,
    /// transcript); the runner also reads the transcript and the byte count from it.
    pub shared: Shared,
    rng: StdRng,
    tag: String,
    sentinels: AtomicU64,
    /// The wire names of the users who joined so far, in order.
    joined: std::sync::Mutex<Vec<String>>,
}

impl Session {
    /// A fresh session for one test against the server at `addr`. `seed` drives everything
    /// random in the test, including the 4-letter tag that makes its wire names unique, so
    /// the same seed gives the same names and choices.
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
                notes: Arc::default(),
                connect_until: None,
                retired: Arc::default(),
                echoed: Arc::default(),
            },
            rng,
            tag,
            sentinels: AtomicU64::new(0),
            joined: std::sync::Mutex::default(),
        }
    }

    /// Notes something the test accepted but the student should know (a pass with a note):
    /// `the server removed the spaces around …: accepted at core, but strict …`.
    pub fn note(&self, text: String) {
        crate::sync::lock(&self.shared.notes).push(text);
    }

    /// The server's wording, for tests that depend on it (quit word, echo, framing…).
    pub fn profile(&self) -> &Profile {
        &self.shared.profile
    }

    /// Threads, file descriptors and memory of the server process, when the harness
    /// started it (off Linux some counts are `None`: see [`ProcessStats`]).
    pub fn server_stats(&self) -> Option<ProcessStats> {
        crate::procfs::process_stats(self.shared.server_pid?)
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
        for line in self.shared.profile.lines_about(&wire) {
            self.shared.lexicon.add(line);
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
        // A server that announces a join after it welcomed the joiner (outside its lock)
        // may announce an earlier user's join to this one, late: tolerated once each.
        user.allow_late_joins(crate::sync::lock(&self.joined).iter().cloned());
        let step = || format!("{script} joins (sends its name and is welcomed)");
        user.send_name()
            .await
            .map_err(|f| f.in_setup(step(), "JOIN-1"))?;
        if !self.profile().welcome.is_empty() {
            user.expect_welcome()
                .await
                .map_err(|f| f.in_setup(step(), "JOIN-1"))?;
        }
        if self.profile().announce_self {
            let me = Event::Join {
                user: user.wire.clone(),
            };
            user.expect(&me).await?;
        }
        crate::sync::lock(&self.joined).push(user.wire.clone());
        Ok(user)
    }

    /// Joins users one after another; every user already present must see each later join
    /// exactly once, as its next event (JOIN-2). Returns them in join order. A failure is
    /// marked as happening in a setup step (joining, by [`Session::join`]; seeing a join, by
    /// [`User::expect`]); the runner reports it as such unless the test is about that very
    /// requirement.
    ///
    /// Without join lines (`join = ""`) each later user's sentinel must reach everyone
    /// already present instead ([`Session::sees_join`]).
    pub async fn join_all(&self, scripts: &[&str]) -> Result<Vec<User>, Failure> {
        let mut users: Vec<User> = Vec::with_capacity(scripts.len());
        for script in scripts {
            let mut user = self.join(script).await?;
            if users.len() == 1 && self.second_join_unordered() {
                self.settle_second_join(&mut users[0], &mut user).await?;
            } else {
                let mut present: Vec<&mut User> = users.iter_mut().collect();
                self.sees_join(&mut user, &mut present).await?;
            }
            users.push(user);
        }
        Ok(users)
    }

    /// Joins a test's first user when the next step needs it registered (others join at
    /// once, and it must hear them). A welcome line proves that by itself. Without one, a
    /// witness, `testigo`, joins after it and the first two joins are settled
    /// ([`Session::settle_second_join`]); the witness is returned, to stay silent in the
    /// room while the test goes on.
    pub async fn join_registered(&self, script: &str) -> Result<(User, Option<User>), Failure> {
        let mut first = self.join(script).await?;
        if !self.second_join_unordered() {
            return Ok((first, None));
        }
        let mut witness = self.join("testigo").await?;
        self.settle_second_join(&mut first, &mut witness).await?;
        Ok((first, Some(witness)))
    }

    /// Whether the first two joins can arrive in either order: with join lines but no
    /// welcome line, nothing tells us the first user was registered before the second
    /// joined ([`Session::settle_second_join`]).
    pub fn second_join_unordered(&self) -> bool {
        self.profile().welcome.is_empty() && self.profile().join.is_some()
    }

    /// The second user joined (without a welcome line, [`Session::second_join_unordered`]):
    /// accepts either order of the first two joins, one join line heard by one of them, and
    /// expects it here rather than tolerating it. The other may hear of the first one's join
    /// too, late: both registered before either announcement went out (a server announcing
    /// outside its lock). A sentinel from the one who heard settles it.
    pub async fn settle_second_join(
        &self,
        first: &mut User,
        second: &mut User,
    ) -> Result<(), Failure> {
        second.allow_late_joins([]);
        let seen_by_first = Event::Join {
            user: second.wire.clone(),
        };
        let seen_by_second = Event::Join {
            user: first.wire.clone(),
        };
        let first_heard = tokio::select! {
            r = first.expect(&seen_by_first) => r.map(|()| true)?,
            r = second.expect(&seen_by_second) => r.map(|()| false)?,
        };
        let (heard, other, late) = if first_heard {
            (first, second, seen_by_second)
        } else {
            (second, first, seen_by_first)
        };
        let mut rest = self.barrier(heard, &mut [&mut *other]).await?.remove(0);
        if let Some(at) = rest.iter().position(|e| *e == late) {
            rest.remove(at);
        }
        nothing_else(other, &rest, "while the first two users joined")
            .map_err(|f| f.in_setup("the first two users join", "JOIN-2"))
    }

    /// Connects `script`, sends its name and waits until every user in `present` has
    /// noticed it ([`Session::sees_join`]).
    pub async fn join_seen_by(
        &self,
        script: &str,
        present: &mut [&mut User],
    ) -> Result<User, Failure> {
        let mut user = self.join(script).await?;
        self.sees_join(&mut user, present).await?;
        Ok(user)
    }

    /// Every user in `present` notices that `newcomer` joined: its join line, as their next
    /// message (JOIN-2). Without join lines (`join = ""`), the newcomer sends a sentinel
    /// that each must receive with nothing before it: a server handles a client's messages
    /// only once it has taken its name, so the newcomer is then in the room, and so is
    /// everyone who heard it.
    pub async fn sees_join(
        &self,
        newcomer: &mut User,
        present: &mut [&mut User],
    ) -> Result<(), Failure> {
        if self.profile().join.is_some() {
            let join = Event::join(newcomer);
            for user in present.iter_mut() {
                user.expect(&join).await?;
            }
            return Ok(());
        }
        if present.is_empty() {
            return Ok(());
        }
        let heard = format!("the others hear {} once it joined", newcomer.name);
        self.hello(newcomer, present)
            .await
            .map_err(|f| f.in_setup(heard, "JOIN-1"))
    }

    /// Without join lines: `newcomer` says a sentinel every [`HELLO_AGAIN`] until each of
    /// `present` has received one of them, with nothing else before it. Nothing says when
    /// a server registered a user who got no welcome and no join line, and a broadcast
    /// reaches only those registered when it is sent (JOIN-4), so a present user may
    /// rightly miss the first hello; once everyone has heard one, later copies are
    /// retired (dropped on arrival).
    async fn hello(&self, newcomer: &mut User, present: &mut [&mut User]) -> Result<(), Failure> {
        let deadline = tokio::time::Instant::now() + self.shared.timeouts.expect;
        let mut said: Vec<String> = Vec::new();
        let mut waiting: Vec<usize> = (0..present.len()).collect();
        let result = loop {
            let text = self.sentinel();
            if let Err(failure) = newcomer.say(&text).await {
                break Err(failure);
            }
            said.push(text);
            let is_hello = |e: &Event| matches!(e, Event::Chat { user, text } if *user == newcomer.wire && said.contains(text));
            let round = deadline
                .saturating_duration_since(tokio::time::Instant::now())
                .min(HELLO_AGAIN);
            let mut failed = None;
            let mut still = Vec::new();
            for &k in &waiting {
                let user = &mut *present[k];
                match user.collect_until_within(is_hello, round).await {
                    Some(before) => {
                        let before: Vec<Event> =
                            before.into_iter().filter(|e| !is_hello(e)).collect();
                        if let Err(f) = nothing_else(
                            user,
                            &before,
                            &format!("before {}'s first message", newcomer.name),
                        ) {
                            failed = Some(f);
                            break;
                        }
                    }
                    None => still.push(k),
                }
            }
            if let Some(failure) = failed {
                break Err(failure);
            }
            waiting = still;
            if waiting.is_empty() {
                break Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                let user = &mut *present[waiting[0]];
                let shown = user.show(&Event::chat(&*newcomer, &said[0]));
                break Err(Failure::new(
                    format!(
                        "{} receives {shown} (or one of {} more hellos)",
                        user.name,
                        said.len() - 1
                    ),
                    match user.ended_early() {
                        Some(how) => how,
                        None => format!(
                            "nothing from {} within {:?}",
                            newcomer.name, self.shared.timeouts.expect
                        ),
                    },
                ));
            }
        };
        crate::sync::lock(&self.shared.retired).extend(said);
        result?;
        newcomer.expect_own_echoes().await
    }

    /// A fresh sentinel text, unique in this test.
    pub fn sentinel(&self) -> String {
        let n = self.sentinels.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{SENTINEL_PREFIX}{}-{n}", self.tag)
    }

    /// Proves what did not arrive: `sender` sends a unique sentinel; every user in
    /// `observers` must receive it. Returns, per observer, every event before the sentinel.
    /// With an echoing profile the sender must have received its own lines back, the
    /// sentinel included ([`User::expect_own_echoes`]).
    pub async fn barrier(
        &self,
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
        for k in 0..observers.len() {
            match observers[k].collect_until(&sentinel).await {
                Ok(events) => before.push(events),
                // The sentinel was written on a connection the server had already closed:
                // nobody could receive it, and "nothing received" would hide why.
                Err(mut failure) if sender.ended_early().is_some() => {
                    let how = sender.ended_early().unwrap_or_default();
                    failure.actual = format!(
                        "{}'s connection had ended, so its sentinel could not be delivered \
                         ({how}); {}",
                        sender.name, failure.actual
                    );
                    return Err(failure);
                }
                Err(failure) if observers[k].has_ended() => return Err(failure),
                Err(failure) => {
                    let (done, rest) = observers.split_at_mut(k);
                    let (missed, rest) = rest.split_first_mut().expect("k < len");
                    return Err(lost_on_the_way(failure, done, missed, rest, &sentinel).await);
                }
            }
        }
        // With an echoing profile the sender's own lines, the sentinel last, must have come
        // back to it; what else it received meanwhile stays for its later reads.
        sender.expect_own_echoes().await?;
        Ok(before)
    }

    /// Joins `names` one after another, as [`Session::join_all`] does, and hands back the
    /// users by name: `let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;`.
    pub async fn room<const N: usize>(&self, names: [&str; N]) -> Result<[User; N], Failure> {
        let users = self.join_all(&names).await?;
        match users.try_into() {
            Ok(users) => Ok(users),
            Err(users) => Err(Failure::new(
                format!("{N} users in the room"),
                format!("{} joined", users.len()),
            )),
        }
    }

    /// Proves that nobody in `observers` received anything more: `sender` sends a sentinel
    /// that every observer must receive, with nothing before it. `when` finishes the sentence
    /// "beto receives nothing else …" of the failure.
    pub async fn sees_nothing(
        &self,
        sender: &mut User,
        observers: &mut [&mut User],
        when: &str,
    ) -> Result<(), Failure> {
        let before = self.barrier(sender, observers).await?;
        for (observer, events) in observers.iter().zip(&before) {
            nothing_else(observer, events, when)?;
        }
        Ok(())
    }
}

/// How long a newcomer without a join line waits for its hello to be heard before saying
/// another ([`Session::sees_join`]).
const HELLO_AGAIN: Duration = Duration::from_millis(200);

/// How long the observers not yet asked get to show a sentinel that `missed` waited for in
/// vain: after that full wait, a sentinel the server sent is already in their inboxes.
const ASK_THE_OTHERS: Duration = Duration::from_millis(250);

/// A barrier's sentinel did not reach `missed`: when it reached other observers (`done`
/// already, or one of the `rest`, asked now, all together within [`ASK_THE_OTHERS`]), it was
/// sent and then lost on the way, and the failure says so.
async fn lost_on_the_way(
    mut failure: Failure,
    done: &[&mut User],
    missed: &User,
    rest: &mut [&mut User],
    sentinel: &Event,
) -> Failure {
    let asked = rest
        .iter_mut()
        .map(|user| tokio::time::timeout(ASK_THE_OTHERS, user.collect_until(sentinel)));
    let answers = futures::future::join_all(asked).await;
    let reached: Vec<&str> = done
        .iter()
        .map(|user| user.name.as_str())
        .chain(
            rest.iter()
                .zip(&answers)
                .filter(|(_, answer)| matches!(answer, Ok(Ok(_))))
                .map(|(user, _)| user.name.as_str()),
        )
        .collect();
    if !reached.is_empty() {
        failure.actual.push_str(&format!(
            "; the same sentinel reached {}: a delivery lost on the way to {} (CHAT-1)",
            reached.join(", "),
            missed.name
        ));
    }
    failure
}

/// Fails when `events` (received by `user` before a barrier) is not empty.
pub fn nothing_else(user: &User, events: &[Event], when: &str) -> Result<(), Failure> {
    if events.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = events.iter().map(|e| user.show(e)).collect();
    Err(Failure::new(
        format!("{} receives nothing else {when}", user.name),
        format!("{} also received: {}", user.name, shown.join(", ")),
    ))
}
