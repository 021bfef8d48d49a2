//! The profile's wording, precomputed for speed: a load run parses millions of lines, so
//! instead of matching each one against the chat template's regex it renders the template
//! once per sender around a hole and checks a received line against the two literal halves.
//!
//! A load message's text is `ld:{sender}:{seq}:{sent_ns}`: which sender, its sequence number,
//! and when it was written (ns since the run's base). A received line is that sender's chat
//! line exactly when it is `prefix + text + suffix` of that sender's rendering, so the check
//! is as strict as the template and allocates nothing.
//!
//! [`Wording::classify`] sorts any received line into one [`Kind`]: a sender's chat line, a
//! load message without its sender's prefix (a server that names the sender once per
//! `recv()` instead of once per line), the welcome, a join, a leave, an error, a line the
//! profile ignores, or one that fits nothing (unparsed). The rare kinds (leave, error,
//! ignored) are matched with the profile's regexes, after the fast checks.

use memchr::memmem;
use regex::Regex;

use crate::profile::{Framing, Profile, Template};

/// Marks the start of a load message's text.
const MARK: &[u8] = b"ld:";
/// Stands in for the placeholder when a template is rendered around a hole.
const HOLE: &str = "\u{0}";

/// A template rendered around a hole: what comes before and after the placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affixes {
    /// The bytes before the placeholder, e.g. `[ana] ` for `[{user}] {text}` rendered for
    /// `ana` around the text.
    pub prefix: Box<[u8]>,
    /// The bytes after the placeholder, without the line ending; often empty.
    pub suffix: Box<[u8]>,
}

impl Affixes {
    fn split(rendered: &str) -> Option<Affixes> {
        let (prefix, suffix) = rendered.split_once(HOLE)?;
        Some(Affixes {
            prefix: prefix.as_bytes().into(),
            suffix: suffix.as_bytes().into(),
        })
    }

    /// True when `line` is `prefix + something + suffix`.
    fn surrounds(&self, line: &[u8]) -> bool {
        line.len() > self.prefix.len() + self.suffix.len()
            && line.starts_with(&self.prefix)
            && line.ends_with(&self.suffix)
    }
}

/// A load message recognised in a received line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadMessage {
    /// The sender's index, from 0: the first `--senders` users send.
    pub sender: usize,
    /// The message's sequence number for its sender, from 0; each sender sends 0, 1, 2, …
    pub seq: u64,
    /// When the sender stamped it, in ns since the run's base instant: the receipt time
    /// minus this is the end-to-end latency.
    pub sent_ns: u64,
}

/// What a received line is, as the profile words things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind<'a> {
    /// A sender's chat line carrying a load message (`{user}: ld:…`).
    Chat(LoadMessage),
    /// A load message on a line without its sender's prefix: the text as the sender wrote
    /// it, alone.
    WithoutSender(LoadMessage),
    /// This user's welcome line.
    Welcome,
    /// A join line, with the name it announces.
    Join(&'a [u8]),
    /// A leave line.
    Leave,
    /// An error line.
    Error,
    /// A line the profile says to ignore.
    Ignored,
    /// Anything else.
    Unparsed,
}

/// Everything a load user needs to know about the server's wording.
#[derive(Debug, Clone)]
pub struct Wording {
    /// Each sender's chat line, as the others receive it.
    chat: Vec<Affixes>,
    /// Each sender's chat line, as it writes it.
    send: Vec<Affixes>,
    /// A join line, around the user name.
    join: Affixes,
    /// The welcome lines' templates, rendered per user.
    welcome: Vec<Template>,
    /// The leave and error templates, and the lines to ignore: checked last.
    leave: Option<Template>,
    error: Template,
    ignore: Vec<Regex>,
    /// Sent by the server before it reads the name.
    pub prompt: Box<[u8]>,
    /// Remove ANSI escape sequences (colours) from received lines before matching them,
    /// as the profile's `strip_ansi` asks.
    pub strip_ansi: bool,
    /// The sender receives its own chat line.
    pub echo: bool,
    /// The joiner receives its own join line.
    pub announce_self: bool,
}

/// Why a profile cannot drive a load run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WordingError {
    /// The profile uses chunk framing; the load run reads lines only. Holds the profile's
    /// name.
    #[error(
        "`conformance load` needs line framing (profile {0} has framing = \"chunk\": messages \
         glued together cannot be told apart at speed)"
    )]
    ChunkFraming(String),
    /// The profile has no join lines (`join = ""`), and the load run needs them.
    #[error(
        "profile {0}: a load run needs the server's join lines (join = \"\" declares none): \
         it waits for every user to see every join before the traffic starts, so that no \
         message can be sent to someone not yet in the room"
    )]
    NoJoinLines(String),
    /// A template the load run must split around a placeholder does not have it.
    #[error("profile {profile}: key `{key}` has no {{{placeholder}}} placeholder")]
    NoPlaceholder {
        /// The profile's name (`reference`) or file path.
        profile: String,
        /// The profile key of the template: `chat`, `send` or `join`.
        key: &'static str,
        /// The missing placeholder, without braces: `text` (chat, send) or `user` (join).
        placeholder: &'static str,
    },
}

impl Wording {
    /// The wording of `profile` for a run whose senders are `sender_names`.
    pub fn new(profile: &Profile, sender_names: &[String]) -> Result<Wording, WordingError> {
        if profile.framing == Framing::Chunk {
            return Err(WordingError::ChunkFraming(profile.name.clone()));
        }
        let missing = |key, placeholder| WordingError::NoPlaceholder {
            profile: profile.name.clone(),
            key,
            placeholder,
        };
        let around_text = |template: &crate::profile::Template, key| {
            sender_names
                .iter()
                .map(|name| Affixes::split(&template.render(name, HOLE)))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| missing(key, "text"))
        };
        Ok(Wording {
            chat: around_text(&profile.chat, "chat")?,
            send: around_text(&profile.send, "send")?,
            join: profile
                .join
                .as_ref()
                .ok_or_else(|| WordingError::NoJoinLines(profile.name.clone()))
                .and_then(|join| {
                    Affixes::split(&join.render(HOLE, "")).ok_or_else(|| missing("join", "user"))
                })?,
            welcome: profile.welcome.clone(),
            leave: profile.leave.clone(),
            error: profile.error.clone(),
            ignore: profile.ignore.clone(),
            prompt: profile.prompt.as_bytes().into(),
            strip_ansi: profile.strip_ansi,
            echo: profile.echo,
            announce_self: profile.announce_self,
        })
    }

    /// How many senders the run has.
    pub fn senders(&self) -> usize {
        self.chat.len()
    }

    /// Appends sender `sender`'s line for message `seq`, sent at `sent_ns`, `\n` included.
    pub fn write_message(&self, out: &mut Vec<u8>, sender: usize, seq: u64, sent_ns: u64) {
        use std::io::Write;
        let affixes = &self.send[sender];
        out.extend_from_slice(&affixes.prefix);
        // Writing to a Vec cannot fail.
        let _ = write!(out, "ld:{sender}:{seq}:{sent_ns}");
        out.extend_from_slice(&affixes.suffix);
        out.push(b'\n');
    }

    /// The load message `line` carries, if it is exactly a sender's chat line for one.
    pub fn parse_chat(&self, line: &[u8]) -> Option<LoadMessage> {
        memmem::find_iter(line, MARK).find_map(|at| {
            let (message, len) = parse_text(&line[at..])?;
            let affixes = self.chat.get(message.sender)?;
            (line[..at] == *affixes.prefix && line[at + len..] == *affixes.suffix)
                .then_some(message)
        })
    }

    /// The load message `line` carries without its sender's prefix: the line is the text
    /// the sender wrote (its `send` rendering, or the bare `ld:…` text) and nothing else.
    pub fn parse_without_sender(&self, line: &[u8]) -> Option<LoadMessage> {
        let at = memmem::find(line, MARK)?;
        let (message, len) = parse_text(&line[at..])?;
        let (before, after) = (&line[..at], &line[at + len..]);
        let written = self.send.get(message.sender)?;
        let bare = before.is_empty() && after.is_empty();
        (bare || (before == &*written.prefix && after == &*written.suffix)).then_some(message)
    }

    /// True when `line` is a join line.
    pub fn is_join(&self, line: &[u8]) -> bool {
        self.join.surrounds(line)
    }

    /// What `line` is, for the user welcomed by the lines `welcome`.
    pub fn classify<'a>(&self, line: &'a [u8], welcome: &[Box<[u8]>]) -> Kind<'a> {
        if let Some(message) = self.parse_chat(line) {
            return Kind::Chat(message);
        }
        if let Some(message) = self.parse_without_sender(line) {
            return Kind::WithoutSender(message);
        }
        if welcome.iter().any(|w| **w == *line) {
            return Kind::Welcome;
        }
        // A blank line is nobody's message, as for the suite's classifier: the newline
        // after a prompt that the profile gives without it.
        if line.iter().all(u8::is_ascii_whitespace) {
            return Kind::Ignored;
        }
        if self.is_join(line) {
            let name = &line[self.join.prefix.len()..line.len() - self.join.suffix.len()];
            return Kind::Join(name);
        }
        let text = String::from_utf8_lossy(line);
        if self.ignore.iter().any(|re| re.is_match(&text)) {
            Kind::Ignored
        } else if self
            .leave
            .as_ref()
            .is_some_and(|leave| leave.captures(&text).is_some())
        {
            Kind::Leave
        } else if self.error.captures(&text).is_some() {
            Kind::Error
        } else {
            Kind::Unparsed
        }
    }

    /// The welcome lines `name` receives (none, one or several).
    pub fn welcome_for(&self, name: &str) -> Vec<Box<[u8]>> {
        self.welcome
            .iter()
            .map(|w| w.render(name, "").into_bytes().into())
            .collect()
    }
}

/// Parses `ld:{sender}:{seq}:{sent_ns}` at the start of `text`; returns it and its length.
fn parse_text(text: &[u8]) -> Option<(LoadMessage, usize)> {
    let mut at = MARK.len();
    let mut number = |last: bool| -> Option<u64> {
        let digits = text[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 19 {
            return None;
        }
        let value = text[at..at + digits]
            .iter()
            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
        at += digits;
        if !last {
            (text.get(at) == Some(&b':')).then_some(())?;
            at += 1;
        }
        Some(value)
    };
    let sender = usize::try_from(number(false)?).ok()?;
    let seq = number(false)?;
    let sent_ns = number(true)?;
    Some((
        LoadMessage {
            sender,
            seq,
            sent_ns,
        },
        at,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_profile() -> Profile {
        Profile::parse(
            "seed",
            "chat = \"[{user}] {text}\"\njoin = \"*** {user} entró ***\"\nsend = \"{user}> {text}\"\n\
             prompt = \"nombre: \"\nwelcome = \"Hola, {user}!\"",
        )
        .unwrap()
    }

    #[test]
    fn a_sent_message_parses_back_from_its_chat_line() {
        let names = ["ana".to_string(), "beto".to_string()];
        let w = Wording::new(&Profile::reference(), &names).unwrap();
        let mut sent = Vec::new();
        w.write_message(&mut sent, 1, 42, 123_456_789);
        assert_eq!(sent, b"ld:1:42:123456789\n");
        let message = LoadMessage {
            sender: 1,
            seq: 42,
            sent_ns: 123_456_789,
        };
        assert_eq!(w.parse_chat(b"beto: ld:1:42:123456789"), Some(message));
        // Right text, wrong sender name; torn or glued lines; other lines.
        assert_eq!(w.parse_chat(b"ana: ld:1:42:123456789"), None);
        assert_eq!(w.parse_chat(b"beto: ld:1:42:"), None);
        assert_eq!(w.parse_chat(b"beto: ld:1:42:1beto: ld:1:43:2"), None);
        assert_eq!(w.parse_chat(b"beto se ha unido al chat"), None);
        assert!(w.is_join(b"beto se ha unido al chat"));
        assert!(!w.is_join(b"beto: hola"));
        assert_eq!(
            w.welcome_for("ana"),
            [Box::from(
                &b"Bienvenido al chat, ana. Escribe 'salir' para salir."[..]
            )]
        );
    }

    #[test]
    fn another_profile_s_wording_is_used_for_sending_and_parsing() {
        let names = ["ana".to_string()];
        let w = Wording::new(&seed_profile(), &names).unwrap();
        let mut sent = Vec::new();
        w.write_message(&mut sent, 0, 0, 7);
        assert_eq!(sent, b"ana> ld:0:0:7\n");
        assert!(w.parse_chat(b"[ana] ld:0:0:7").is_some());
        assert!(w.parse_chat(b"ana: ld:0:0:7").is_none());
        assert!(w.is_join("*** ana entró ***".as_bytes()));
        assert_eq!(&*w.prompt, b"nombre: ");
        assert_eq!(w.welcome_for("ana"), [Box::from(&b"Hola, ana!"[..])]);
    }

    #[test]
    fn every_line_is_classified_and_a_message_without_its_sender_is_recognised() {
        let names = ["ana".to_string(), "beto".to_string()];
        let profile =
            Profile::parse("prefixed", "send = \"> {text}\"\nignore = [\"-- .* --\"]").unwrap();
        let w = Wording::new(&profile, &names).unwrap();
        let m = |sender, seq| LoadMessage {
            sender,
            seq,
            sent_ns: 9,
        };
        let welcome: &[Box<[u8]>] = &[Box::from(&b"hola ana"[..])];
        let cases: [(&[u8], Kind<'_>); 14] = [
            (b"beto: ld:1:4:9", Kind::Chat(m(1, 4))),
            // The text as beto wrote it, or the bare text: a burst relayed with one name.
            (b"> ld:1:5:9", Kind::WithoutSender(m(1, 5))),
            (b"ld:0:6:9", Kind::WithoutSender(m(0, 6))),
            // Torn, glued or under another's name: the payload alone is not enough.
            (b"ld:1:7:9beto: ld:1:8:9", Kind::Unparsed),
            (b"ld:1:7:", Kind::Unparsed),
            (b"ana: ld:1:7:9", Kind::Unparsed),
            (b"x ld:1:7:9", Kind::Unparsed),
            (b"hola ana", Kind::Welcome),
            (b"carla se ha unido al chat", Kind::Join(b"carla")),
            (b"carla ha salido del chat", Kind::Leave),
            (b"ERROR: nope", Kind::Error),
            (b"-- 3 conectados --", Kind::Ignored),
            (b"", Kind::Ignored),
            (b" \r", Kind::Ignored),
        ];
        for (line, kind) in cases {
            assert_eq!(
                w.classify(line, welcome),
                kind,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        assert_eq!(w.classify(b"\x1b[2m*\x1b[0m", &[]), Kind::Unparsed);
    }

    #[test]
    fn chunk_framing_is_refused() {
        let p = Profile::parse("chunky", "framing = \"chunk\"").unwrap();
        assert!(matches!(
            Wording::new(&p, &[]),
            Err(WordingError::ChunkFraming(_))
        ));
    }
}
