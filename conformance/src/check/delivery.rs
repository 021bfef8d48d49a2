//! The broadcast checker: given every message sent (by whom, in which order) and every event
//! each user received, finds lost, duplicated, echoed, reordered (per sender, ORDER-1),
//! disagreeing (total order, ORDER-2) and unexpected (torn, merged, foreign) messages.

use std::collections::{HashMap, HashSet};

use crate::verdict::Failure;
use crate::wire::Event;

/// One chat message a simulated user sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sent {
    /// Wire name of the sender.
    pub sender: String,
    /// The message as written, without the line ending. A message is identified by its
    /// sender and text, so each text should be unique per sender within one check.
    pub text: String,
}

/// Collects what was sent and received, then judges it.
#[derive(Debug, Default)]
pub struct Delivery {
    /// Per sender, its messages in send order.
    sent: Vec<Sent>,
    /// Receiver (wire name) → the chat events it received, in order.
    received: Vec<(String, Vec<Event>)>,
    /// The profile echoes: each sender's own messages come back to it once, and its user has
    /// already taken them (see `User::expect_own_echoes`); one more copy here is a duplicate.
    echo: bool,
    /// Wire name → the name to show.
    names: HashMap<String, String>,
    /// The server takes one read as one message (`framing = "chunk"`): two of a sender's
    /// writes read together become one message, which FRAME-5 allows (the harness paces
    /// its writes, but a loaded machine can still let two meet). The suite's decoder cuts
    /// such a message after the first: its rest, the sender's next text, arrives bare.
    merges: bool,
}

const SHOWN: usize = 5;

impl Delivery {
    /// An empty log. `echo` is the profile's `echo` setting: when true, every sender receives
    /// each of its own messages back exactly once, and its simulated user consumes that echo
    /// (checking it came once, in the order said), so the events recorded here never hold it
    /// and another copy is "duplicated"; when false, receiving one is an "echoed" error
    /// (CHAT-2).
    pub fn new(echo: bool) -> Self {
        Delivery {
            echo,
            ..Default::default()
        }
    }

    /// An empty log for a run with `profile`: its `echo` (see [`Delivery::new`]), and
    /// whether two writes may be read as one message (chunk framing, FRAME-5).
    pub fn for_profile(profile: &crate::profile::Profile) -> Self {
        Delivery {
            merges: profile.framing == crate::profile::Framing::Chunk,
            ..Delivery::new(profile.echo)
        }
    }

    /// With [`Delivery::merges`], `event` as the rest of a merged message: the text its
    /// sender wrote right after the message at `last` (the chat the receiver got just
    /// before `event`), arrived bare.
    fn merged_rest(&self, last: Option<usize>, event: &Event) -> Option<&Sent> {
        let (true, Event::Other(rest), Some(last)) = (self.merges, event, last) else {
            return None;
        };
        let sender = &self.sent[last].sender;
        self.sent[last + 1..]
            .iter()
            .find(|s| &s.sender == sender)
            .filter(|next| next.text == *rest)
    }

    /// A user's display name for reports.
    pub fn name(&mut self, wire: &str, shown: &str) {
        self.names.insert(wire.to_string(), shown.to_string());
    }

    /// Records that `sender` (a wire name) sent `text`. Call it in the order the messages
    /// were written: that order is what per-sender order (ORDER-1) is checked against.
    pub fn sent(&mut self, sender: &str, text: &str) {
        self.sent.push(Sent {
            sender: sender.to_string(),
            text: text.to_string(),
        });
    }

    /// Records everything `receiver` (a wire name) received, in arrival order, once per
    /// receiver. Join and leave lines and the harness's sentinels are ignored when judging;
    /// any other non-chat event counts as unexpected (a torn, merged or foreign line).
    pub fn received(&mut self, receiver: &str, events: Vec<Event>) {
        self.received.push((receiver.to_string(), events));
    }

    fn show(&self, wire: &str) -> String {
        self.names
            .get(wire)
            .cloned()
            .unwrap_or_else(|| wire.to_string())
    }

    /// Checks exactly-once delivery to every other user (CHAT-1, CHAT-2), intact lines
    /// (FRAME-3), per-sender order (ORDER-1) and, if asked, one total order (ORDER-2).
    pub fn judge(&self, total_order: bool) -> Result<(), Failure> {
        let index: HashMap<&Sent, usize> =
            self.sent.iter().enumerate().map(|(i, s)| (s, i)).collect();
        let mut problems: Vec<String> = Vec::new();
        let (mut lost, mut duplicated, mut echoed, mut reordered, mut unexpected) = (0, 0, 0, 0, 0);
        let mut sequences: Vec<(String, Vec<usize>)> = Vec::new();
        for (receiver, events) in &self.received {
            let who = self.show(receiver);
            let mut seen: HashMap<usize, usize> = HashMap::new();
            let mut sequence = Vec::new();
            let mut last_by_sender: HashMap<&str, usize> = HashMap::new();
            let mut last_chat: Option<usize> = None;
            for event in events {
                // A merge's rest comes right after its first part, nothing between.
                let previous = last_chat.take();
                let key = match (event, self.merged_rest(previous, event)) {
                    (_, Some(rest)) => rest.clone(),
                    // The harness's own barrier messages are not part of the traffic judged.
                    (Event::Chat { text, .. }, _) if crate::wire::is_sentinel(text) => continue,
                    (Event::Chat { user, text }, _) => Sent {
                        sender: user.clone(),
                        text: text.clone(),
                    },
                    (Event::Join { .. } | Event::Leave { .. }, _) => continue,
                    (other, None) => {
                        unexpected += 1;
                        if unexpected <= SHOWN {
                            problems.push(format!(
                                "unexpected at {who}: {other} (a torn, merged or foreign line)"
                            ));
                        }
                        continue;
                    }
                };
                let Some(&i) = index.get(&key) else {
                    unexpected += 1;
                    if unexpected <= SHOWN {
                        problems.push(format!(
                            "unexpected at {who}: CHAT {} {:?} was never sent (torn or merged?)",
                            self.show(&key.sender),
                            key.text
                        ));
                    }
                    continue;
                };
                if &key.sender == receiver && !self.echo {
                    echoed += 1;
                    if echoed <= SHOWN {
                        problems.push(format!("echoed: {who} received its own {:?}", key.text));
                    }
                    continue;
                }
                if &key.sender == receiver {
                    // Its one awaited echo was already consumed by the user.
                    duplicated += 1;
                    if duplicated <= SHOWN {
                        problems.push(format!(
                            "duplicated at {who}: its own {:?} came back more than once",
                            key.text
                        ));
                    }
                    continue;
                }
                let count = seen.entry(i).or_default();
                *count += 1;
                if *count == 2 {
                    duplicated += 1;
                    if duplicated <= SHOWN {
                        problems.push(format!(
                            "duplicated at {who}: {} {:?}",
                            self.show(&key.sender),
                            key.text
                        ));
                    }
                    continue;
                }
                if *count > 2 {
                    continue;
                }
                if let Some(&previous) = last_by_sender.get(self.sent[i].sender.as_str())
                    && previous > i
                {
                    reordered += 1;
                    if reordered <= SHOWN {
                        problems.push(format!(
                            "reordered at {who}: {} {:?} arrived after {:?}",
                            self.show(&key.sender),
                            key.text,
                            self.sent[previous].text
                        ));
                    }
                }
                last_by_sender.insert(&self.sent[i].sender, i);
                last_chat = Some(i);
                sequence.push(i);
            }
            for (i, s) in self.sent.iter().enumerate() {
                if &s.sender != receiver && !seen.contains_key(&i) {
                    lost += 1;
                    if lost <= SHOWN {
                        problems.push(format!(
                            "lost at {who}: {} {:?}",
                            self.show(&s.sender),
                            s.text
                        ));
                    }
                }
            }
            sequences.push((who, sequence));
        }
        let mut disagreements = 0;
        if total_order {
            disagreements = self.order_disagreements(&sequences, &mut problems);
        }
        let total = lost + duplicated + echoed + reordered + unexpected + disagreements;
        if total == 0 {
            return Ok(());
        }
        let receivers = self.received.len();
        let mut actual = format!(
            "{lost} lost, {duplicated} duplicated, {echoed} echoed, {reordered} reordered, \
             {unexpected} unexpected, {disagreements} order disagreements \
             ({} messages, {receivers} receivers)",
            self.sent.len()
        );
        for p in problems.iter().take(12) {
            actual.push_str("\n  ");
            actual.push_str(p);
        }
        if problems.len() > 12 {
            actual.push_str(&format!("\n  … and {} more", problems.len() - 12));
        }
        let expected = if self.echo {
            "every message exactly once at every user (the sender included: this profile \
             echoes, and each sender's own copies were checked as they came back), each \
             sender's messages in order, every line intact"
        } else {
            "every message exactly once at every other user, never back to its sender, each \
             sender's messages in order, every line intact"
        };
        let expected = if total_order {
            format!("{expected}, and all users agreeing on one order")
        } else {
            expected.to_string()
        };
        Err(Failure::new(expected, actual))
    }

    /// ORDER-2: for every two receivers, the messages both received appear in the same
    /// relative order. Compared through each receiver's positions, pairwise on neighbours.
    fn order_disagreements(
        &self,
        sequences: &[(String, Vec<usize>)],
        problems: &mut Vec<String>,
    ) -> usize {
        let mut count = 0;
        let Some((first_name, first)) = sequences.first() else {
            return 0;
        };
        for (name, other) in &sequences[1..] {
            let position: HashMap<usize, usize> =
                other.iter().enumerate().map(|(p, &i)| (i, p)).collect();
            let common: HashSet<usize> = position.keys().copied().collect();
            let mut last: Option<(usize, usize)> = None;
            for &i in first.iter().filter(|i| common.contains(i)) {
                let p = position[&i];
                if let Some((prev_i, prev_p)) = last
                    && prev_p > p
                {
                    count += 1;
                    if count <= SHOWN {
                        problems.push(format!(
                            "order disagreement: {first_name} got {:?} before {:?}, {name} \
                             the other way round",
                            self.sent[prev_i].text, self.sent[i].text
                        ));
                    }
                }
                last = Some((i, p));
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(user: &str, text: &str) -> Event {
        Event::Chat {
            user: user.into(),
            text: text.into(),
        }
    }

    fn setup() -> Delivery {
        let mut d = Delivery::new(false);
        d.sent("a", "1");
        d.sent("a", "2");
        d.sent("b", "3");
        d
    }

    #[test]
    fn two_writes_read_as_one_count_as_delivered_only_one_read_per_message() {
        // "a: 1" + "2" is "a: 12" cut by the decoder: a's next text, bare, right after.
        let merged = vec![chat("a", "1"), Event::Other("2".into()), chat("b", "3")];
        let mut lines = setup();
        lines.received("c", merged.clone());
        assert!(lines.judge(false).is_err(), "line framing: never a merge");
        let profile = crate::profile::Profile::parse("p", "framing = \"chunk\"").unwrap();
        let mut chunks = Delivery::for_profile(&profile);
        for (sender, text) in [("a", "1"), ("a", "2"), ("b", "3")] {
            chunks.sent(sender, text);
        }
        chunks.received("c", merged);
        assert!(chunks.judge(true).is_ok());
        // Not after another sender's line, not a text never sent, not after something else.
        for stray in [
            vec![chat("b", "3"), Event::Other("2".into()), chat("a", "1")],
            vec![chat("a", "1"), Event::Other("3".into()), chat("a", "2")],
            vec![
                chat("a", "1"),
                Event::Other("a: ".into()),
                Event::Other("2".into()),
                chat("b", "3"),
            ],
        ] {
            let mut d = Delivery::for_profile(&profile);
            for (sender, text) in [("a", "1"), ("a", "2"), ("b", "3")] {
                d.sent(sender, text);
            }
            d.received("c", stray);
            assert!(d.judge(false).is_err());
        }
    }

    #[test]
    fn a_clean_run_passes() {
        let mut d = setup();
        d.received("b", vec![chat("a", "1"), chat("a", "2")]);
        d.received("c", vec![chat("a", "1"), chat("b", "3"), chat("a", "2")]);
        d.received("a", vec![chat("b", "3")]);
        assert!(d.judge(true).is_ok());
    }

    #[test]
    fn every_anomaly_is_counted() {
        let mut d = setup();
        d.received("b", vec![chat("a", "2"), chat("a", "1"), chat("b", "3")]);
        d.received(
            "c",
            vec![
                chat("a", "1"),
                chat("a", "1"),
                Event::Other("a: 2b: 3".into()),
            ],
        );
        let err = d.judge(false).unwrap_err();
        assert!(
            err.actual.starts_with(
                "2 lost, 1 duplicated, 1 echoed, 1 reordered, 1 unexpected, 0 order disagreements"
            ),
            "{}",
            err.actual
        );
        assert!(err.actual.contains("lost at c: a \"2\""), "{}", err.actual);
    }

    #[test]
    fn with_echo_the_senders_copy_is_not_expected_here_and_a_second_is_a_duplicate() {
        let mut d = Delivery::new(true);
        d.sent("a", "1");
        d.sent("b", "2");
        // The users consumed their awaited echoes: none is missing here.
        d.received("a", vec![chat("b", "2")]);
        d.received("b", vec![chat("a", "1")]);
        assert!(d.judge(true).is_ok());
        // One more copy of a's own line reached the checker.
        let mut d = Delivery::new(true);
        d.sent("a", "1");
        d.sent("b", "2");
        d.received("a", vec![chat("a", "1"), chat("b", "2")]);
        d.received("b", vec![chat("a", "1")]);
        let err = d.judge(false).unwrap_err();
        assert!(
            err.actual.starts_with("0 lost, 1 duplicated, 0 echoed"),
            "{}",
            err.actual
        );
        // A loss is still a loss.
        let mut d = Delivery::new(true);
        d.sent("a", "1");
        d.received("b", vec![]);
        let err = d.judge(false).unwrap_err();
        assert!(err.actual.starts_with("1 lost"), "{}", err.actual);
        assert!(err.actual.contains("lost at b: a \"1\""), "{}", err.actual);
    }

    #[test]
    fn total_order_disagreement_is_found() {
        let mut d = setup();
        d.received("c", vec![chat("a", "1"), chat("b", "3"), chat("a", "2")]);
        d.received("d", vec![chat("b", "3"), chat("a", "1"), chat("a", "2")]);
        let err = d.judge(true).unwrap_err();
        assert!(
            err.actual.contains("1 order disagreements"),
            "{}",
            err.actual
        );
        assert!(d.judge(false).is_ok());
    }
}
