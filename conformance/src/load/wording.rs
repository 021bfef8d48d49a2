//! The profile's wording, precomputed for speed: a load run parses millions of lines, so
//! instead of matching each one against the chat template's regex it renders the template
//! once per sender around a hole and checks a received line against the two literal halves.
//!
//! A load message's text is `ld:{sender}:{seq}:{sent_ns}`: which sender, its sequence number,
//! and when it was written (ns since the run's base). A received line is that sender's chat
//! line exactly when it is `prefix + text + suffix` of that sender's rendering, so the check
//! is as strict as the template and allocates nothing.

use memchr::memmem;

use crate::profile::{Framing, Profile};

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

/// Everything a load user needs to know about the server's wording.
#[derive(Debug, Clone)]
pub struct Wording {
    /// Each sender's chat line, as the others receive it.
    chat: Vec<Affixes>,
    /// Each sender's chat line, as it writes it.
    send: Vec<Affixes>,
    /// A join line, around the user name.
    join: Affixes,
    /// The welcome template, rendered per user.
    welcome: Option<crate::profile::Template>,
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
            join: Affixes::split(&profile.join.render(HOLE, ""))
                .ok_or_else(|| missing("join", "user"))?,
            welcome: profile.welcome.clone(),
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

    /// True when `line` is a join line.
    pub fn is_join(&self, line: &[u8]) -> bool {
        self.join.surrounds(line)
    }

    /// The welcome line `name` receives, if the server sends one.
    pub fn welcome_for(&self, name: &str) -> Option<Box<[u8]>> {
        let welcome = self.welcome.as_ref()?;
        Some(welcome.render(name, "").into_bytes().into())
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
            w.welcome_for("ana").as_deref(),
            Some(&b"Bienvenido al chat, ana. Escribe 'salir' para salir."[..])
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
        assert_eq!(w.welcome_for("ana").as_deref(), Some(&b"Hola, ana!"[..]));
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
