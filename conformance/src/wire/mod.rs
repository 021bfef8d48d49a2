//! From bytes on the wire to protocol events.
//!
//! A [`Decoder`] cuts the byte stream into messages (by newline, or — for chunk-framed
//! servers — by recognising the messages it expects); a [`Classifier`] turns each message
//! into an [`Event`] using the profile's wording. Tests only ever see events, so they read
//! the same whatever the server's language or framing.

mod chunk;
mod classify;
mod line;
mod names;

use std::fmt;

pub use chunk::ChunkDecoder;
pub use classify::{Classifier, strip_ansi};
pub use line::LineDecoder;
pub use names::{Lexicon, Owner, Roster, SENTINEL_PREFIX, is_sentinel};

use crate::profile::{Framing, Profile};

/// Longest message kept whole; anything longer is cut and reported as such.
pub const MAX_MESSAGE: usize = 64 * 1024;

/// Cuts a byte stream into messages.
pub trait Decoder: Send {
    /// Takes newly received bytes; returns the messages completed by them.
    fn feed(&mut self, bytes: &[u8]) -> Vec<String>;
    /// The connection went quiet or closed: returns whatever is pending as a message.
    fn flush(&mut self) -> Option<String>;
    /// True when bytes are waiting for the rest of their message.
    fn has_pending(&self) -> bool;
    /// The bytes waiting for the rest of their message (at most [`MAX_MESSAGE`] of them),
    /// so a timeout can say what was arriving.
    fn pending(&self) -> &[u8];
    /// How long the message still arriving is so far, counting what was cut from it.
    fn pending_len(&self) -> usize {
        self.pending().len()
    }
}

/// A decoder for the profile's framing.
pub fn decoder_for(profile: &Profile, expected: Lexicon) -> Box<dyn Decoder> {
    match profile.framing {
        Framing::Line => Box::new(LineDecoder::new(&profile.prompt, MAX_MESSAGE)),
        Framing::Chunk => Box::new(ChunkDecoder::new(&profile.prompt, expected)),
    }
}

/// One protocol event, as the tests see it. User names are the names on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Event {
    /// The server's prompt for the name.
    Prompt,
    /// The welcome line sent to a joiner.
    Welcome {
        /// The name the welcome greets, e.g. `ana_qxkz`; empty when the profile's `welcome`
        /// has no `{user}`.
        user: String,
    },
    /// A join line: `user` joined the chat (JOIN-2).
    Join {
        /// Who joined, e.g. `ana_qxkz`.
        user: String,
    },
    /// A leave line: `user` left, however it left (LEAVE-1, LEAVE-2).
    Leave {
        /// Who left, e.g. `ana_qxkz`.
        user: String,
    },
    /// A chat line: `user` said `text` (CHAT-1).
    Chat {
        /// The sender, e.g. `ana_qxkz`.
        user: String,
        /// The message as the server relayed it, without the line ending; may hold control
        /// characters (`Display` makes them visible).
        text: String,
    },
    /// An error line, meant for this user only.
    Error {
        /// What the template's `{reason}` captured, e.g. `nombre en uso`; empty when the
        /// profile's `error` template has no `{reason}`.
        reason: String,
    },
    /// A message that fits no template.
    Other(String),
}

impl fmt::Display for Event {
    /// The normalised form used in snapshots and reports: `JOIN ana`, `CHAT beto hola`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Prompt => write!(f, "PROMPT"),
            Event::Welcome { user } => write!(f, "WELCOME {user}"),
            Event::Join { user } => write!(f, "JOIN {user}"),
            Event::Leave { user } => write!(f, "LEAVE {user}"),
            Event::Chat { user, text } => write!(f, "CHAT {user} {}", visible(text)),
            Event::Error { reason } => write!(f, "ERROR {}", visible(reason)),
            Event::Other(raw) => write!(f, "OTHER \"{}\"", visible(raw)),
        }
    }
}

/// Anything that names a user on the wire: a wire name (`ana_qxkz`), or a simulated user.
pub trait WireName {
    /// The user's name on the wire.
    fn wire_name(&self) -> &str;
}

impl WireName for str {
    fn wire_name(&self) -> &str {
        self
    }
}

impl WireName for String {
    fn wire_name(&self) -> &str {
        self
    }
}

impl Event {
    /// `CHAT who text`: `who` said `text`.
    pub fn chat(who: &(impl WireName + ?Sized), text: &str) -> Event {
        Event::Chat {
            user: who.wire_name().to_string(),
            text: text.to_string(),
        }
    }

    /// `JOIN who`: `who` joined.
    pub fn join(who: &(impl WireName + ?Sized)) -> Event {
        Event::Join {
            user: who.wire_name().to_string(),
        }
    }

    /// `LEAVE who`: `who` left.
    pub fn leave(who: &(impl WireName + ?Sized)) -> Event {
        Event::Leave {
            user: who.wire_name().to_string(),
        }
    }

    /// The user the event is about, if any.
    pub fn user(&self) -> Option<&str> {
        match self {
            Event::Welcome { user }
            | Event::Join { user }
            | Event::Leave { user }
            | Event::Chat { user, .. } => Some(user),
            _ => None,
        }
    }
}

/// `text` cut to `max` characters, saying how long it was: `abc… (5000 bytes in all)`.
pub fn cut(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}… ({} bytes in all)", &text[..at], text.len()).into(),
        None => text.into(),
    }
}

/// Makes control characters visible (`\x1b`), so reports never drive a terminal.
pub fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if chat_protocol::text::is_dangerous_control(c) || c == '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Finds the end of the longest prefix of `bytes` that is valid UTF-8 except for an
/// incomplete character at the very end (which must wait for more bytes).
pub(crate) fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
