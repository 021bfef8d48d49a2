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
use crate::wire::Event;

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

/// Makes `user` leave. A quitter is handed back: it stays connected (and keeps reading) until
/// the caller drops it, so the server closes it, not us.
pub(crate) async fn depart(mut user: User, how: Departure) -> Result<Option<User>, Verdict> {
    match how {
        Departure::Quit => match user.quit().await {
            None => Err(no_quit_word()),
            Some(sent) => {
                sent?;
                Ok(Some(user))
            }
        },
        Departure::Fin => {
            user.close().await;
            Ok(None)
        }
        Departure::Rst => {
            user.reset();
            Ok(None)
        }
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
    let mut delivery = Delivery::new(s.profile().echo);
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

/// How a user leaves when the test does not care how: the quit word if the profile has one,
/// a clean close otherwise.
pub(crate) fn polite(s: &Session) -> Departure {
    if s.profile().quit.is_some() {
        Departure::Quit
    } else {
        Departure::Fin
    }
}
