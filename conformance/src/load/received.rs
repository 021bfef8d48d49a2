//! What one load user received, line by line: every line lands in exactly one count of
//! [`Lines`], and every load message it carries is checked off for its sender — with its
//! sender's name ([`Received::named`]) or without it ([`Received::nameless`]), never both.
//!
//! A line that fits nothing is counted as unparsed and the first few are kept, so a report
//! can quote what the server really sent. Bytes left without a line ending when the
//! connection or the run ends are one unparsed chunk.

use serde::Serialize;

use super::tally::{Receipt, SeqTracker};
use super::wording::{Kind, LoadMessage};

/// Unparsed lines kept per user, to be quoted.
pub const SAMPLES: usize = 3;
/// Characters of an unparsed line kept for quoting.
const SAMPLE_CHARS: usize = 120;
/// Runs of more users than this do not record who heard whose join (it takes
/// `users² / 8` bytes).
pub const MAX_JOIN_MATRIX: usize = 4096;

/// Every line a user received, each counted once, by what it was.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Lines {
    /// First receipts of another user's load message, with its sender's name.
    pub deliveries: u64,
    /// First receipts of the user's own load message, when the profile allows an echo.
    pub echoes: u64,
    /// First receipts of a load message on a line without its sender's name.
    pub without_sender: u64,
    /// Load messages received again, in either form.
    pub duplicates: u64,
    /// Load messages that should not have come: the user's own when the profile allows no
    /// echo, or a sequence number never sent.
    pub unexpected: u64,
    /// The user's welcome line.
    pub welcomes: u64,
    /// Join lines.
    pub joins: u64,
    /// Leave lines.
    pub leaves: u64,
    /// Error lines.
    pub errors: u64,
    /// Lines matching the profile's `ignore` patterns.
    pub ignored: u64,
    /// Lines that fit nothing in the profile, lines too long to be anything the harness
    /// sent, and bytes left without a line ending at the end.
    pub unparsed: u64,
}

impl Lines {
    /// Every line counted.
    pub fn total(&self) -> u64 {
        self.deliveries
            + self.echoes
            + self.without_sender
            + self.duplicates
            + self.unexpected
            + self.welcomes
            + self.joins
            + self.leaves
            + self.errors
            + self.ignored
            + self.unparsed
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &Lines) {
        self.deliveries += other.deliveries;
        self.echoes += other.echoes;
        self.without_sender += other.without_sender;
        self.duplicates += other.duplicates;
        self.unexpected += other.unexpected;
        self.welcomes += other.welcomes;
        self.joins += other.joins;
        self.leaves += other.leaves;
        self.errors += other.errors;
        self.ignored += other.ignored;
        self.unparsed += other.unparsed;
    }
}

/// What counting one line meant for the run's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// The first receipt of a load message with its sender's name, sent at this time (ns
    /// since the run's base).
    Delivery {
        /// When the sender stamped it.
        sent_ns: u64,
    },
    /// The first receipt of a load message without its sender's name.
    WithoutSender,
    /// A join line.
    Join,
    /// The user's welcome.
    Welcome,
    /// Nothing that moves the run on.
    Nothing,
}

/// What one user saw, handed back when its reader ends.
#[derive(Debug, Default)]
pub struct Received {
    /// Per sender: which of its messages arrived with its name.
    pub named: Vec<SeqTracker>,
    /// Per sender: which of its messages arrived without its name.
    pub nameless: Vec<SeqTracker>,
    /// Every line, by kind.
    pub lines: Lines,
    /// The first different unparsed lines, cut to a readable length.
    pub samples: Vec<String>,
    /// Bit `j`: the join line of user `j` arrived (empty for runs over
    /// [`MAX_JOIN_MATRIX`] users).
    pub joined: Vec<u64>,
    /// The connection ended before the run did.
    pub closed_early: bool,
}

impl Received {
    /// Nothing received yet, in a run of `senders` senders and `users` users.
    pub fn new(senders: usize, users: usize) -> Received {
        let words = if users <= MAX_JOIN_MATRIX {
            users.div_ceil(64)
        } else {
            0
        };
        Received {
            named: vec![SeqTracker::default(); senders],
            nameless: vec![SeqTracker::default(); senders],
            joined: vec![0; words],
            ..Received::default()
        }
    }

    /// True when the join line of user `j` arrived.
    pub fn heard_join_of(&self, j: usize) -> bool {
        self.joined
            .get(j / 64)
            .is_some_and(|word| word & (1 << (j % 64)) != 0)
    }

    fn hear_join_of(&mut self, j: usize) {
        if let Some(word) = self.joined.get_mut(j / 64) {
            *word |= 1 << (j % 64);
        }
    }

    /// Counts one line of user `me`, of kind `kind`; `raw` is the line, quoted if unparsed.
    /// `own_echo` says whether the profile allows the user's own messages back, `messages`
    /// is how many each sender sends, and `user_of` finds a user's index from its name.
    pub fn count(
        &mut self,
        kind: Kind<'_>,
        raw: &[u8],
        me: usize,
        own_echo: bool,
        messages: u64,
        user_of: impl Fn(&[u8]) -> Option<usize>,
    ) -> Arrival {
        match kind {
            Kind::Chat(m) => self.message(m, true, me, own_echo, messages),
            Kind::WithoutSender(m) => self.message(m, false, me, own_echo, messages),
            Kind::Welcome => {
                self.lines.welcomes += 1;
                Arrival::Welcome
            }
            Kind::Join(name) => {
                self.lines.joins += 1;
                if let Some(j) = user_of(name) {
                    self.hear_join_of(j);
                }
                Arrival::Join
            }
            Kind::Leave => self.just(|l| &mut l.leaves),
            Kind::Error => self.just(|l| &mut l.errors),
            Kind::Ignored => self.just(|l| &mut l.ignored),
            Kind::Unparsed => {
                self.unparsed(raw, "");
                Arrival::Nothing
            }
        }
    }

    fn just(&mut self, count: impl Fn(&mut Lines) -> &mut u64) -> Arrival {
        *count(&mut self.lines) += 1;
        Arrival::Nothing
    }

    /// Counts load message `m`, received with its sender's name or without it.
    fn message(
        &mut self,
        m: LoadMessage,
        named: bool,
        me: usize,
        own_echo: bool,
        messages: u64,
    ) -> Arrival {
        let own = m.sender == me;
        let known = m.seq < messages && m.sender < self.named.len();
        if (own && !own_echo) || !known {
            self.lines.unexpected += 1;
            return Arrival::Nothing;
        }
        let (this, other) = if named {
            (&mut self.named, &self.nameless)
        } else {
            (&mut self.nameless, &self.named)
        };
        if other[m.sender].has(m.seq) || this[m.sender].record(m.seq) == Receipt::Duplicate {
            self.lines.duplicates += 1;
            return Arrival::Nothing;
        }
        match (named, own) {
            (true, false) => self.lines.deliveries += 1,
            (true, true) => self.lines.echoes += 1,
            (false, _) => self.lines.without_sender += 1,
        }
        if named {
            Arrival::Delivery { sent_ns: m.sent_ns }
        } else {
            Arrival::WithoutSender
        }
    }

    /// Counts `raw` as unparsed, keeping it to quote if it is among the first few different
    /// ones; `note` is appended to the kept text (e.g. that it had no line ending).
    pub fn unparsed(&mut self, raw: &[u8], note: &str) {
        self.lines.unparsed += 1;
        if self.samples.len() < SAMPLES {
            let text = String::from_utf8_lossy(raw);
            let mut kept = crate::wire::cut(&text, SAMPLE_CHARS).into_owned();
            kept.push_str(note);
            if !self.samples.contains(&kept) {
                self.samples.push(kept);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(sender: usize, seq: u64) -> LoadMessage {
        LoadMessage {
            sender,
            seq,
            sent_ns: 5,
        }
    }

    fn count(r: &mut Received, kind: Kind<'_>, me: usize, echo: bool) -> Arrival {
        r.count(kind, b"raw", me, echo, 10, |name| {
            std::str::from_utf8(name)
                .ok()?
                .strip_prefix('u')?
                .parse()
                .ok()
        })
    }

    #[test]
    fn each_line_lands_in_exactly_one_count() {
        let mut r = Received::new(2, 3);
        let lines = [
            (Kind::Chat(message(0, 0)), Arrival::Delivery { sent_ns: 5 }),
            (Kind::WithoutSender(message(0, 1)), Arrival::WithoutSender),
            (Kind::Chat(message(0, 1)), Arrival::Nothing), // arrived already, nameless
            (Kind::WithoutSender(message(0, 0)), Arrival::Nothing), // and this one named
            (Kind::Chat(message(2, 0)), Arrival::Nothing), // no such sender
            (Kind::Chat(message(0, 10)), Arrival::Nothing), // never sent
            (Kind::Chat(message(1, 0)), Arrival::Nothing), // own, no echo allowed
            (Kind::Welcome, Arrival::Welcome),
            (Kind::Join(b"u2"), Arrival::Join),
            (Kind::Join(b"stranger"), Arrival::Join),
            (Kind::Leave, Arrival::Nothing),
            (Kind::Error, Arrival::Nothing),
            (Kind::Ignored, Arrival::Nothing),
            (Kind::Unparsed, Arrival::Nothing),
        ];
        for (kind, arrival) in lines {
            assert_eq!(count(&mut r, kind, 1, false), arrival, "{kind:?}");
        }
        let want = Lines {
            deliveries: 1,
            echoes: 0,
            without_sender: 1,
            duplicates: 2,
            unexpected: 3,
            welcomes: 1,
            joins: 2,
            leaves: 1,
            errors: 1,
            ignored: 1,
            unparsed: 1,
        };
        assert_eq!(r.lines, want);
        assert_eq!(r.lines.total(), 14);
        assert!(r.heard_join_of(2) && !r.heard_join_of(0) && !r.heard_join_of(99));
        assert_eq!(r.samples, ["raw"]);
    }

    #[test]
    fn an_allowed_echo_is_counted_as_such() {
        let mut r = Received::new(1, 2);
        let first = count(&mut r, Kind::Chat(message(0, 0)), 0, true);
        assert_eq!(first, Arrival::Delivery { sent_ns: 5 });
        assert_eq!((r.lines.echoes, r.lines.deliveries), (1, 0));
    }

    #[test]
    fn only_the_first_few_unparsed_lines_are_kept_and_long_ones_are_cut() {
        let mut r = Received::new(1, 2);
        let long = "x".repeat(1000);
        for k in 0..SAMPLES + 2 {
            r.unparsed(long.as_bytes(), " (no line ending)");
            r.unparsed(format!("{k}").as_bytes(), "");
        }
        assert_eq!(r.lines.unparsed, 2 * (SAMPLES as u64 + 2));
        assert_eq!(r.samples.len(), SAMPLES, "{:?}", r.samples);
        assert_eq!(r.samples[1..], ["0", "1"]);
        assert!(
            r.samples[0].ends_with("… (1000 bytes in all) (no line ending)"),
            "{}",
            r.samples[0]
        );
    }
}
