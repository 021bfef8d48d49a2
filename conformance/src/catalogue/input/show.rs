//! How the input tests quote what arrived: each event cut to [`SHORT`] characters and at
//! most ten of them, because what they provoke can be a 20,000-byte chat line or megabytes
//! of a flood.

use crate::session::Session;
use crate::user::User;
use crate::verdict::Failure;
use crate::wire::{Event, cut};

/// Characters of one event a failure message quotes.
const SHORT: usize = 120;

/// An event for a failure message, cut to a readable length.
pub(super) fn short(shown: &str) -> String {
    cut(shown, SHORT).into_owned()
}

/// Anything that shows events in the test's names.
pub(super) trait Shows {
    fn show_event(&self, event: &Event) -> String;
}

impl Shows for User {
    fn show_event(&self, event: &Event) -> String {
        self.show(event)
    }
}

impl Shows for Session {
    fn show_event(&self, event: &Event) -> String {
        self.shared.roster.normalise(&event.to_string())
    }
}

/// Events as `[JOIN beto, CHAT beto hola, …]`: each cut, and at most ten of them.
pub(super) fn shown_list(by: &impl Shows, events: &[Event]) -> String {
    const SHOWN: usize = 10;
    let mut shown: Vec<String> = events
        .iter()
        .take(SHOWN)
        .map(|e| short(&by.show_event(e)))
        .collect();
    if events.len() > SHOWN {
        shown.push(format!("… {} more", events.len() - SHOWN));
    }
    format!("[{}]", shown.join(", "))
}

/// Fails when `events` (received by `user` before a barrier) is not empty.
///
/// Not `support::nothing_else` on purpose: that one quotes every event in full (up to
/// `User::show`'s limit), unbracketed; here the events are listed as [`shown_list`] does,
/// so a 20,000-byte chat or a flood is not quoted whole.
pub(super) fn nothing_else_cut(user: &User, events: &[Event], when: &str) -> Result<(), Failure> {
    if events.is_empty() {
        return Ok(());
    }
    Err(Failure::new(
        format!("{} receives nothing else {when}", user.name),
        format!("{} also received: {}", user.name, shown_list(user, events)),
    ))
}

/// [`Session::sees_nothing`] for one observer, with what arrived quoted by
/// [`nothing_else_cut`]: `sender` sends a sentinel, `observer` must receive nothing before it.
pub(super) async fn sees_nothing_cut(
    s: &mut Session,
    sender: &mut User,
    observer: &mut User,
    when: &str,
) -> Result<(), Failure> {
    let before = s.barrier(sender, &mut [&mut *observer]).await?;
    nothing_else_cut(observer, &before[0], when)
}
