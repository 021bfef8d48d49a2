//! How a user waits for what a test expects: for one event, holding back those the
//! protocol lets come first (see [`super::unordered`]) for later reads; and, with
//! an echoing profile, for its own lines to come back (see [`echoes`](super::echoes)).

use super::{Incoming, MAX_BEFORE_BARRIER, User, describe_end, unordered};
use crate::verdict::Failure;
use crate::wire::{Event, Owner, quoted};

impl User {
    /// What waiting for `want` may hold back: what the protocol lets come first (see
    /// [`unordered`]), about a user of this test. A line about a name no test user has is
    /// never legitimately first: it fails the wait at once.
    pub(super) fn holdable_before(&self, want: &Event) -> impl Fn(&Event) -> bool + use<> {
        let (want, me, roster) = (want.clone(), self.wire.clone(), self.shared.roster.clone());
        move |got| {
            unordered::may_arrive_before(got, &want, &me)
                && got
                    .user()
                    .is_none_or(|user| roster.owner(user) == Owner::ThisTest)
        }
    }

    /// Waits (one expectation timeout in all) for an event that satisfies `accept`. Events
    /// before it for which `holdable` is true are held back, in order, for later reads; any
    /// other event first is a failure, as is the end of the connection or silence.
    pub(super) async fn wait_for(
        &mut self,
        expected: String,
        accept: impl Fn(&Event) -> bool,
        holdable: impl Fn(&Event) -> bool,
    ) -> Result<(), Failure> {
        let deadline = tokio::time::Instant::now() + self.timeout();
        let mut passed = Vec::new();
        let outcome = loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_incoming(left).await {
                Some(Incoming::Event(got)) if accept(&got) => break Ok(()),
                Some(Incoming::Event(got))
                    if holdable(&got) && passed.len() < MAX_BEFORE_BARRIER =>
                {
                    passed.push(got)
                }
                Some(Incoming::Event(got)) => {
                    break Err(format!("{} received {}", self.name, self.show(&got)));
                }
                Some(end) => break Err(describe_end(&end)),
                None => break Err(self.silence()),
            }
        };
        let held_back = self.summarise_held(&passed);
        for event in passed.into_iter().rev() {
            self.held.push_front(event);
        }
        outcome.map_err(|actual| Failure::new(expected, format!("{actual}{held_back}")))
    }

    /// ` (after JOIN beto, which may come first)` for events passed over while waiting, or
    /// nothing.
    fn summarise_held(&self, passed: &[Event]) -> String {
        if passed.is_empty() {
            return String::new();
        }
        let shown: Vec<String> = passed.iter().map(|e| self.show(e)).collect();
        format!(" (after {}, which may come first)", shown.join(", "))
    }

    /// With an echoing profile: every line this user said so far must have come back to it,
    /// once each and in the order said (the profile's `echo`). Other events meanwhile are
    /// held back for later reads. Without echo there is nothing to wait for.
    pub async fn expect_own_echoes(&mut self) -> Result<(), Failure> {
        let expected = format!(
            "{} receives each of its own lines back once, in the order it said them (the \
             profile says the server echoes)",
            self.name
        );
        let deadline = tokio::time::Instant::now() + self.timeout();
        let mut passed = Vec::new();
        let outcome = loop {
            let Some(echoes) = &mut self.echoes else {
                break Ok(());
            };
            let faults = echoes.take_faults();
            if !faults.is_empty() {
                break Err(faults.join("; "));
            }
            let Some(first) = echoes.first_awaited().map(str::to_string) else {
                break Ok(());
            };
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            // Held events came before, and an awaited echo is never held: read the inbox.
            match self.next_from_inbox(left).await {
                Some(Incoming::Event(got)) if self.is_awaited_echo(&got) => self.note_echo(&got),
                Some(Incoming::Event(got)) if passed.len() < MAX_BEFORE_BARRIER => passed.push(got),
                Some(Incoming::Event(_)) => {
                    break Err(format!(
                        "own {} did not come back before {MAX_BEFORE_BARRIER} other messages",
                        quoted(&first)
                    ));
                }
                other => {
                    let why = other.map_or_else(|| self.silence(), |end| describe_end(&end));
                    break Err(format!("own {} never came back: {why}", quoted(&first)));
                }
            }
        };
        self.held.extend(passed);
        outcome.map_err(|actual| Failure::new(expected, format!("{}'s {actual}", self.name)))
    }
}
