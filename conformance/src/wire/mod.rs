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

use std::borrow::Cow;
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
        Framing::Line if profile.reject == crate::profile::Reject::Reprompt => {
            Box::new(LineDecoder::prompting_again(&profile.prompt, MAX_MESSAGE))
        }
        Framing::Line => Box::new(LineDecoder::new(&profile.prompt, MAX_MESSAGE)),
        Framing::Chunk if profile.strip_ansi => {
            Box::new(ChunkDecoder::new(&profile.prompt, expected).stripping_escapes())
        }
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
            Event::Welcome { user } => write!(f, "WELCOME {}", shown_name(user)),
            Event::Join { user } => write!(f, "JOIN {}", shown_name(user)),
            Event::Leave { user } => write!(f, "LEAVE {}", shown_name(user)),
            Event::Chat { user, text } => {
                write!(f, "CHAT {} {}", shown_name(user), shown_text(text))
            }
            Event::Error { reason } => write!(f, "ERROR {}", shown_text(reason)),
            Event::Other(raw) => write!(f, "OTHER {}", quoted(raw)),
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
/// Cutting a text that was cut already keeps the length of the original.
pub fn cut(text: &str, max: usize) -> Cow<'_, str> {
    let (body, total) = already_cut(text).unwrap_or((text, text.len()));
    match body.char_indices().nth(max) {
        Some((at, _)) => format!("{}… ({total} bytes in all)", &body[..at]).into(),
        None => text.into(),
    }
}

/// The kept part and the original length of a text [`cut`] has cut.
fn already_cut(text: &str) -> Option<(&str, usize)> {
    let rest = text.strip_suffix(" bytes in all)")?;
    let open = rest.rfind("… (")?;
    let total = rest[open + "… (".len()..].parse().ok()?;
    Some((&text[..open], total))
}

/// A name as reports show it: as it is when that is unambiguous, `(blank)` when it is empty
/// or only whitespace, and [`quoted`] when whitespace at its ends or inside it would be
/// invisible.
pub fn shown_name(name: &str) -> Cow<'_, str> {
    if name.trim().is_empty() {
        "(blank)".into()
    } else if needs_quotes(name) || name.contains(' ') {
        quoted(name).into()
    } else {
        name.into()
    }
}

/// A message's text as reports show it: as it is when every character is visible and
/// unambiguous, else [`quoted`] — so `"   espacios alrededor   "` and `espacios alrededor`
/// never look alike.
pub fn shown_text(text: &str) -> Cow<'_, str> {
    if needs_quotes(text) {
        quoted(text).into()
    } else {
        text.into()
    }
}

/// Whether `text` would hide a difference if shown bare: empty, whitespace at either end, a
/// tab or a run of spaces, a control character, or a quote at its start.
fn needs_quotes(text: &str) -> bool {
    text.is_empty()
        || text.starts_with(char::is_whitespace)
        || text.ends_with(char::is_whitespace)
        || text.starts_with('"')
        || text.contains("  ")
        || text
            .chars()
            .any(|c| c.is_control() || (c.is_whitespace() && c != ' '))
}

/// `text` in double quotes, with `"` and `\` escaped and every control or non-space
/// whitespace character written as an escape (`\t`, `\r`, `\u{a0}`), so every byte of a
/// difference shows.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                out.extend(c.escape_default());
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The text that [`shown_text`] shows as `shown`: a [`quoted`] text read back, anything
/// else as it is (so a report's line can be classified again).
pub fn unquoted(shown: &str) -> Cow<'_, str> {
    let Some(inner) = shown
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        return shown.into();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('n') => out.push('\n'),
            Some('u') => {
                // `\u{1b}`
                let code: String = chars.by_ref().skip(1).take_while(|&c| c != '}').collect();
                out.extend(u32::from_str_radix(&code, 16).ok().and_then(char::from_u32));
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out.into()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_that_would_be_invisible_is_quoted() {
        assert_eq!(shown_text("hola"), "hola");
        assert_eq!(shown_text("dos palabras"), "dos palabras");
        assert_eq!(
            shown_text("   espacios alrededor   "),
            "\"   espacios alrededor   \""
        );
        assert_eq!(shown_text("tab\taquí"), "\"tab\\taquí\"");
        assert_eq!(shown_text(""), "\"\"");
        assert_eq!(shown_text("a  b"), "\"a  b\"");
        assert_eq!(shown_text("\"citado\""), "\"\\\"citado\\\"\"");
        assert_eq!(shown_text("fin\r"), "\"fin\\r\"");
    }

    #[test]
    fn a_quoted_text_reads_back() {
        for text in [
            "hola",
            "  hola ",
            "tab\taquí",
            "\"x\" \\ y",
            "esc \u{1b}[2J\r",
            "",
        ] {
            assert_eq!(unquoted(&shown_text(text)), text, "{text:?}");
        }
    }

    #[test]
    fn names_are_plain_blank_or_quoted() {
        assert_eq!(shown_name("ana"), "ana");
        assert_eq!(shown_name(""), "(blank)");
        assert_eq!(shown_name("  \t "), "(blank)");
        assert_eq!(shown_name("ana maria"), "\"ana maria\"");
        assert_eq!(shown_name(" ana"), "\" ana\"");
    }

    #[test]
    fn events_show_every_difference() {
        let spaced = Event::Chat {
            user: "ana".into(),
            text: "  hola ".into(),
        };
        let trimmed = Event::Chat {
            user: "ana".into(),
            text: "hola".into(),
        };
        assert_eq!(spaced.to_string(), "CHAT ana \"  hola \"");
        assert_eq!(trimmed.to_string(), "CHAT ana hola");
        let blank = Event::Join { user: "".into() };
        assert_eq!(blank.to_string(), "JOIN (blank)");
        assert_eq!(
            Event::Other("<!DOCTYPE HTML>".into()).to_string(),
            "OTHER \"<!DOCTYPE HTML>\""
        );
    }

    #[test]
    fn a_cut_text_keeps_its_true_length_when_cut_again() {
        let long = "x".repeat(20_000);
        let once = cut(&long, 300).into_owned();
        assert!(once.ends_with("… (20000 bytes in all)"), "{once}");
        let twice = cut(&once, 120).into_owned();
        assert_eq!(twice, format!("{}… (20000 bytes in all)", "x".repeat(120)));
        assert_eq!(cut("corto", 120), "corto");
    }
}
