//! Totals over every user of a run: each sender's messages delivered with its name, without
//! it, or lost; every line by kind, with the first unparsed ones; and what join lines that
//! never arrived mean for those figures ([`MissedJoins`], [`joins_note`]).

use serde::Serialize;

use super::received::{Lines, MAX_JOIN_MATRIX, Received};

/// Unparsed lines a report quotes, all users together.
pub const SAMPLES_SHOWN: usize = 5;

/// Pairs of users that never heard of each other's join, and what they lost.
///
/// Of two users, the one that joined later is announced to the other (JOIN-2), so in every
/// pair one of the two receives the other's join line. A pair where neither did had a join
/// go missing, and one of the two may not have been in the room for the other's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MissedJoins {
    /// Pairs of users neither of whom received the other's join line.
    pub pairs: u64,
    /// Deliveries lost between the two users of those pairs, either way.
    pub lost_between: u64,
}

/// Totals of what every user saw.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    /// Distinct load messages received with their sender's name, all receivers together.
    pub delivered: u64,
    /// Distinct load messages received without their sender's name (and not with it).
    pub without_sender: u64,
    /// Every line received, by kind.
    pub lines: Lines,
    /// The first different unparsed lines, in user order, at most [`SAMPLES_SHOWN`].
    pub samples: Vec<String>,
    /// Users whose connection ended during the run.
    pub disconnected: usize,
    /// Joins that went missing between pairs of users; `None` in runs of more than
    /// [`MAX_JOIN_MATRIX`] users, which do not record who heard whose join.
    pub missed_joins: Option<MissedJoins>,
}

impl Totals {
    /// Totals of `seen` (one per user, in user order), given how many messages each sender
    /// sent; `echo`: the senders receive their own messages too.
    pub fn of(seen: &[Received], sent: &[u64], echo: bool) -> Totals {
        let mut totals = Totals::default();
        for (me, r) in seen.iter().enumerate() {
            totals.lines.add(&r.lines);
            totals.disconnected += usize::from(r.closed_early);
            for sample in &r.samples {
                if totals.samples.len() < SAMPLES_SHOWN && !totals.samples.contains(sample) {
                    totals.samples.push(sample.clone());
                }
            }
            for (k, &count) in sent.iter().enumerate() {
                if k != me || echo {
                    let (named, nameless) = received_from(r, k, count);
                    totals.delivered += named;
                    totals.without_sender += nameless;
                }
            }
        }
        totals.missed_joins = missed_joins(seen, sent);
        totals
    }
}

/// How many of sender `k`'s first `sent` messages `r` received with its name, and without.
fn received_from(r: &Received, k: usize, sent: u64) -> (u64, u64) {
    let below =
        |trackers: &[super::tally::SeqTracker]| trackers.get(k).map_or(0, |t| t.unique_below(sent));
    (below(&r.named), below(&r.nameless))
}

/// Messages of sender `k` that `r` never received in any form.
fn lost_from(r: &Received, k: usize, sent: &[u64]) -> u64 {
    let Some(&count) = sent.get(k) else {
        return 0;
    };
    let (named, nameless) = received_from(r, k, count);
    count.saturating_sub(named + nameless)
}

fn missed_joins(seen: &[Received], sent: &[u64]) -> Option<MissedJoins> {
    if seen.len() > MAX_JOIN_MATRIX || seen.iter().any(|r| r.joined.is_empty()) {
        return None;
    }
    let mut missed = MissedJoins {
        pairs: 0,
        lost_between: 0,
    };
    for (x, rx) in seen.iter().enumerate() {
        for (y, ry) in seen.iter().enumerate().skip(x + 1) {
            if !rx.heard_join_of(y) && !ry.heard_join_of(x) {
                missed.pairs += 1;
                missed.lost_between += lost_from(rx, y, sent) + lost_from(ry, x, sent);
            }
        }
    }
    Some(missed)
}

/// What the join lines that did not arrive mean for the figures, in one sentence; `None`
/// when every join line arrived while the users joined. `at_start` join lines had arrived
/// when the traffic started, `seen` by the end, of `expected`; `lost` deliveries were lost.
pub fn joins_note(
    at_start: u64,
    seen: u64,
    expected: u64,
    missed: Option<&MissedJoins>,
    lost: u64,
) -> Option<String> {
    if at_start >= expected {
        return None;
    }
    let only = format!("only {seen} of {expected} join lines arrived");
    let pairs = |n: u64| match n {
        1 => "in 1 pair of users neither".to_owned(),
        n => format!("in {n} pairs of users neither"),
    };
    Some(match missed {
        _ if seen >= expected => format!(
            "every join line arrived, but {} of them only after the traffic had started: a \
             user whose join came late may have missed messages sent before it",
            expected - at_start
        ),
        Some(m) if m.pairs == 0 => format!(
            "{only}, but every pair of users heard of each other's join (the missing lines \
             are users' own joins announced to themselves): the delivery figures do not \
             depend on them"
        ),
        Some(m) if m.lost_between == 0 => format!(
            "{only}: {} heard of the other's join, but no delivery between them was lost, \
             so the delivery figures do not depend on the joins",
            pairs(m.pairs)
        ),
        Some(m) => format!(
            "{only}: {} heard of the other's join, and {} of the {lost} lost deliveries \
             were between such users. A user that missed a join may not have been in the \
             room yet, so those losses may come from how the server joins users (JOIN-2), \
             not from how it broadcasts",
            pairs(m.pairs),
            m.lost_between
        ),
        None => format!(
            "{only}: a user that missed a join may not have been in the room yet, so lost \
             deliveries may come from how the server joins users (JOIN-2), not from how it \
             broadcasts (runs of more than {MAX_JOIN_MATRIX} users do not say which)"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::wording::{Kind, LoadMessage};

    /// What a user of a run of `users` users and `senders` senders saw: the joins of the
    /// users `joins`, and the messages `got` as (sender, seq, with the sender's name).
    fn received(
        users: usize,
        senders: usize,
        joins: &[usize],
        got: &[(usize, u64, bool)],
    ) -> Received {
        let mut r = Received::new(senders, users);
        let user_of = |name: &[u8]| std::str::from_utf8(name).ok()?.parse().ok();
        for j in joins {
            let name = j.to_string();
            r.count(
                Kind::Join(name.as_bytes()),
                b"",
                usize::MAX,
                false,
                10,
                user_of,
            );
        }
        for &(sender, seq, named) in got {
            let m = LoadMessage {
                sender,
                seq,
                sent_ns: 0,
            };
            let kind = if named {
                Kind::Chat(m)
            } else {
                Kind::WithoutSender(m)
            };
            r.count(kind, b"", usize::MAX, false, 10, user_of);
        }
        r
    }

    #[test]
    fn messages_add_up_and_missed_joins_are_paired_with_their_losses() {
        // Three users, user 0 sends 2 messages. User 1 heard user 2's join, but user 0 and
        // user 2 never heard of each other: user 2 lost message 1 of user 0.
        let seen = [
            received(3, 1, &[1], &[]),
            received(3, 1, &[2], &[(0, 0, true), (0, 1, false)]),
            received(3, 1, &[], &[(0, 0, false)]),
        ];
        let totals = Totals::of(&seen, &[2], false);
        assert_eq!(totals.delivered, 1);
        assert_eq!(totals.without_sender, 2);
        assert_eq!(totals.lines.joins, 2);
        let missed = totals.missed_joins.expect("3 users keep the matrix");
        assert_eq!(
            missed,
            MissedJoins {
                pairs: 1,
                lost_between: 1
            }
        );
        let note = joins_note(2, 2, 3, Some(&missed), 1).unwrap();
        assert!(note.contains("1 of the 1 lost deliveries"), "{note}");
    }

    #[test]
    fn the_note_says_whether_the_figures_depend_on_the_joins() {
        assert_eq!(joins_note(3, 3, 3, None, 0), None);
        let late = joins_note(1, 3, 3, None, 0).unwrap();
        assert!(late.contains("2 of them only after the traffic"), "{late}");
        let harmless = MissedJoins {
            pairs: 2,
            lost_between: 0,
        };
        let note = joins_note(1, 1, 3, Some(&harmless), 5).unwrap();
        assert!(note.contains("do not depend on the joins"), "{note}");
        let unknown = joins_note(1, 1, 3, None, 5).unwrap();
        assert!(unknown.contains("do not say which"), "{unknown}");
    }
}
