//! The vocabulary every test group uses, so that a test reads like a transcript: how a
//! user leaves ([`Departure`], [`depart`], [`polite`]), what a leave must look like
//! ([`once_then_nothing`]), the delivery checks for bursts of traffic ([`settle`],
//! [`settle_from`], [`send_concurrently`], [`storm`]), and a user that reads only when told
//! ([`connect_raw`]). Events are built with [`Event::chat`],
//! [`Event::join`] and [`Event::leave`]; "nothing else arrived" is
//! [`Session::sees_nothing`].
//!
//! A test group never imports another group: what two groups share lives here.

use crate::check::Delivery;
use crate::session::Session;
use crate::user::User;
use crate::verdict::{Failure, Outcome, Verdict};
use crate::wire::{Event, WireName};

pub(crate) use crate::session::nothing_else;

/// How a user goes away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Departure {
    /// The profile's quit word (the user is kept, still reading, until it is dropped).
    Quit,
    /// A clean close.
    Fin,
    /// A reset.
    Rst,
}

impl Departure {
    /// How a failure message names it.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Departure::Quit => "quit word",
            Departure::Fin => "close (FIN)",
            Departure::Rst => "reset (RST)",
        }
    }
}

/// A user who went away, until the others have noticed ([`Gone::seen_by`]).
pub(crate) struct Gone {
    /// The name the test knows it by.
    pub(crate) name: String,
    /// Its wire name, for its leave line.
    pub(crate) wire: String,
    how: Departure,
    /// The profile has leave lines.
    announced: bool,
    /// A quitter, or (without leave lines) a user that closed only its sending side: still
    /// connected and reading, so the server is the one that closes.
    kept: Option<User>,
}

impl WireName for Gone {
    fn wire_name(&self) -> &str {
        &self.wire
    }
}

/// Makes `user` leave. A quitter is kept, still reading, until the [`Gone`] is dropped, so
/// the server closes it, not us; without leave lines (`leave = ""`) so is a user that
/// closes: it closes its sending side only, and [`Gone::seen_by`] waits for the server to
/// close in turn.
pub(crate) async fn depart(mut user: User, how: Departure) -> Result<Gone, Verdict> {
    let announced = user.profile().leave.is_some();
    let (name, wire) = (user.name.clone(), user.wire.clone());
    let kept = match how {
        Departure::Quit => match user.quit().await {
            None => return Err(no_quit_word()),
            Some(sent) => {
                sent?;
                Some(user)
            }
        },
        Departure::Fin if announced => {
            user.close().await;
            None
        }
        Departure::Fin => {
            user.close_sending().await;
            Some(user)
        }
        Departure::Rst => {
            user.reset();
            None
        }
    };
    Ok(Gone {
        name,
        wire,
        how,
        announced,
        kept,
    })
}

impl Gone {
    /// The departed user's connection, when the test kept it: a quitter, still reading
    /// until the server closes it (or, without leave lines, a user that closed).
    pub(crate) fn connection(&mut self) -> Option<&mut User> {
        self.kept.as_mut()
    }

    /// Waits until the server has handled the departure, as far as `observers` can tell:
    /// each receives the leave line as its next message (LEAVE-1, LEAVE-2). Without leave
    /// lines (`leave = ""`), the server must close the departed user's connection instead
    /// (QUIT-2 after the quit word; after a clean close, the server's `finally` closing its
    /// socket); a reset leaves nothing to observe, and a transcript note says so.
    pub(crate) async fn seen_by(&mut self, observers: &mut [&mut User]) -> Result<(), Failure> {
        if self.announced {
            let leave = Event::leave(&*self);
            for observer in observers.iter_mut() {
                observer.expect(&leave).await?;
            }
            return Ok(());
        }
        let Some(user) = self.kept.as_mut() else {
            return Ok(()); // a reset, without a leave line: nothing shows it
        };
        let (after, requirement) = match self.how {
            Departure::Quit => ("its quit word", "QUIT-2"),
            _ => ("its client closed", "CLEAN-4"),
        };
        let step = format!("the server closes {}'s connection after {after}", self.name);
        user.expect_closed()
            .await
            .map(drop)
            .map_err(|f| f.in_setup(step, requirement))
    }
}

/// The skip verdict for tests that need the quit word.
pub(crate) fn no_quit_word() -> Verdict {
    Verdict::Skip("the profile has no quit word (quit = \"\"), so nothing can be quit".into())
}

/// Checks what `user` received after `leaver`'s leave line (up to a barrier): a second leave
/// line is reported as such, anything else as an extra message.
pub(crate) fn once_then_nothing(
    user: &User,
    events: &[Event],
    leaver: &str,
    leaver_name: &str,
) -> Result<(), Failure> {
    let again = events
        .iter()
        .filter(|e| **e == Event::leave(leaver))
        .count();
    if again > 0 {
        return Err(Failure::new(
            format!(
                "{} receives {leaver_name}'s leave line exactly once",
                user.name
            ),
            format!(
                "{} received it {} times (before the sentinel: [{}])",
                user.name,
                again + 1,
                events
                    .iter()
                    .map(|e| user.show(e))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    nothing_else(user, events, &format!("after {leaver_name}'s leave"))
}

/// Sentinels from each user to all others, then the delivery check.
pub(crate) async fn settle(
    s: &mut Session,
    users: &mut [User],
    delivery: &mut Delivery,
) -> Outcome {
    let everyone: Vec<usize> = (0..users.len()).collect();
    settle_from(s, users, &everyone, delivery).await
}

/// Every user sends its texts concurrently from its own task, recorded in `delivery`;
/// returns the users once all have sent.
pub(crate) async fn send_concurrently(
    users: Vec<User>,
    texts: impl Fn(&User) -> Vec<String>,
    delivery: &mut Delivery,
) -> Result<Vec<User>, Failure> {
    let mut tasks = Vec::new();
    for mut user in users {
        let texts = texts(&user);
        for text in &texts {
            delivery.sent(&user.wire, text);
        }
        tasks.push(tokio::spawn(async move {
            for text in &texts {
                user.say(text).await?;
            }
            Ok::<User, Failure>(user)
        }));
    }
    let mut users = Vec::new();
    for task in tasks {
        match task.await {
            Ok(result) => users.push(result?),
            Err(e) => return Err(Failure::new("every sender finishes", e.to_string())),
        }
    }
    Ok(users)
}

/// `n` users each send `count` messages at the same time; then everything is checked.
pub(crate) async fn storm(s: &mut Session, n: usize, count: usize) -> Outcome {
    let names: Vec<String> = (1..=n).map(|i| format!("u{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let users = s.join_all(&refs).await?;
    let mut delivery = Delivery::for_profile(s.profile());
    // The text carries sender and number, padded so that interleaved writes produce
    // recognisably torn lines.
    let texts = |user: &User| -> Vec<String> {
        (1..=count)
            .map(|k| format!("{}-{k:04}-{}", user.name, "x".repeat(24)))
            .collect()
    };
    let mut users = send_concurrently(users, texts, &mut delivery).await?;
    settle(s, &mut users, &mut delivery).await
}

/// [`settle`] with only `senders` (indices into `users`) sending sentinels: what each user
/// received before them all, then the delivery check.
pub(crate) async fn settle_from(
    s: &mut Session,
    users: &mut [User],
    senders: &[usize],
    delivery: &mut Delivery,
) -> Outcome {
    let mut collected: Vec<Vec<Event>> = vec![Vec::new(); users.len()];
    for &i in senders {
        let (left, rest) = users.split_at_mut(i);
        let (sender, right) = rest.split_first_mut().expect("i < len");
        let mut observers: Vec<&mut User> = left.iter_mut().chain(right.iter_mut()).collect();
        let before = s.barrier(sender, &mut observers).await?;
        let indices = (0..users.len()).filter(|&j| j != i);
        for (j, events) in indices.zip(before) {
            collected[j].extend(events);
        }
    }
    for (user, events) in users.iter().zip(collected) {
        delivery.name(&user.wire, &user.name);
        delivery.received(&user.wire, events);
    }
    delivery.judge(true)?;
    Ok(())
}

/// Declares the user `script` and connects it as a [`RawClient`](crate::user::raw::RawClient),
/// which reads only when the test asks (see its `connect` for `recv_buffer`).
pub(crate) async fn connect_raw(
    s: &Session,
    script: &str,
    recv_buffer: Option<u32>,
) -> Result<crate::user::raw::RawClient, Failure> {
    let wire = s.declare(script);
    crate::user::raw::RawClient::connect(s.shared.clone(), script, &wire, recv_buffer).await
}

/// Every user in `present` notices that the raw client `newcomer` joined: its join line, or
/// without join lines its sentinel, with nothing before it (as [`Session::sees_join`]).
pub(crate) async fn sees_raw_join(
    s: &Session,
    newcomer: &mut crate::user::raw::RawClient,
    present: &mut [&mut User],
) -> Result<(), Failure> {
    let want = if s.profile().join.is_some() {
        Event::join(newcomer)
    } else {
        let text = s.sentinel();
        let line = s.profile().send.render(&newcomer.wire, &text);
        newcomer
            .write(&s.profile().frame(line.as_bytes()), None)
            .await
            .map_err(|e| Failure::new(format!("{} can write", newcomer.name), e.to_string()))?;
        Event::chat(newcomer, &text)
    };
    let when = format!("before {} joined", newcomer.name);
    for user in present.iter_mut() {
        let before = user.collect_until(&want).await?;
        nothing_else(user, &before, &when)?;
    }
    Ok(())
}

/// How a user leaves when the test does not care how: the quit word if the profile has one,
/// a clean close otherwise.
pub(crate) fn polite(s: &Session) -> Departure {
    if s.profile().quit.is_some() {
        Departure::Quit
    } else {
        Departure::Fin
    }
}
