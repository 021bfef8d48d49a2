//! Profiles: how a particular server words the protocol, so the same semantic checks run on
//! every server whatever its language or wording.
//!
//! A profile is a small TOML file (see `fixtures/profiles/`); [`Profile::load`] reads one,
//! checks every key and compiles the templates into matchers. Unknown keys are errors, so a
//! typo never silently falls back to a default.

mod client;
mod template;

use std::fmt;
use std::path::Path;

use regex::Regex;
use serde::Deserialize;

pub use client::ClientProfile;
pub use template::{Template, TemplateError};

/// How messages are delimited on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Framing {
    /// Every message ends with `\n` (`\r\n` tolerated).
    Line,
    /// One write is one message, with no terminator (the `recv(1024)` style).
    Chunk,
}

/// How the server refuses a bad or taken name (`reject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reject {
    /// One error line, then the server closes the connection (INPUT-1 to INPUT-4).
    Close,
    /// One error line, then the prompt again: the client may try another name.
    Reprompt,
}

/// Tests the profile's server is known not to support, reported as skipped with a reason.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SkipRule {
    /// Which tests: a test id (`slow.consumer`), a pattern with `*` wildcards (`leave.*`), a
    /// group (`slow`), or a PROTOCOL.md requirement id (`SLOW-1`: every test of it).
    pub id: String,
    /// Why, shown in every report of a skipped test.
    pub reason: String,
}

impl SkipRule {
    /// Whether the rule names the test `test_id`, which checks `requirement`.
    pub fn matches(&self, test_id: &str, requirement: &str) -> bool {
        let group = test_id.split_once('.').map_or(test_id, |(group, _)| group);
        self.id == requirement || self.id == group || wildcard_match(&self.id, test_id)
    }
}

/// `echo`: whether the sender gets its own chat line back — `true` (in the `chat` wording),
/// `false`, or the wording of its own copy (`"Tú: {text}"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum EchoSetting {
    Flag(bool),
    Wording(String),
}

/// `welcome`: one line, or the list of lines a joiner receives.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Lines {
    One(String),
    Many(Vec<String>),
}

/// The profile file as written, before checking.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawProfile {
    framing: Framing,
    quit: String,
    echo: EchoSetting,
    announce_self: bool,
    farewell: String,
    leave_to_self: bool,
    send: String,
    join: String,
    leave: String,
    chat: String,
    prompt: String,
    welcome: Lines,
    error: String,
    reject: Reject,
    ignore: Vec<String>,
    strip_ansi: bool,
    skip: Vec<SkipRule>,
    pace_ms: Option<u64>,
    /// The teacher's `[grading]` table: read and checked by [`crate::grading`], not here.
    #[serde(rename = "grading")]
    _grading: Option<toml::Table>,
    /// How a client under test is driven (`conformance client`).
    client: client::RawClient,
}

impl Default for RawProfile {
    fn default() -> Self {
        use chat_protocol::wording::*;
        RawProfile {
            framing: Framing::Line,
            quit: QUIT_WORD.to_string(),
            echo: EchoSetting::Flag(false),
            announce_self: false,
            farewell: String::new(),
            leave_to_self: false,
            send: "{text}".to_string(),
            join: JOIN_TEMPLATE.to_string(),
            leave: LEAVE_TEMPLATE.to_string(),
            chat: CHAT_TEMPLATE.to_string(),
            prompt: String::new(),
            welcome: Lines::One(String::new()),
            error: format!("{ERROR_PREFIX}{{reason}}"),
            reject: Reject::Close,
            ignore: Vec::new(),
            strip_ansi: false,
            skip: Vec::new(),
            pace_ms: None,
            _grading: None,
            client: client::RawClient::default(),
        }
    }
}

/// A checked, compiled profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// `reference` or the file it came from.
    pub name: String,
    /// How messages are delimited on the wire, both ways (`framing`, default `line`).
    pub framing: Framing,
    /// What a client writes to leave; `None` when the server has no quit word.
    pub quit: Option<Template>,
    /// The sender receives its own chat line.
    pub echo: bool,
    /// The wording of the sender's own copy, when it differs from `chat` (`echo = "Tú:
    /// {text}"`).
    pub own_echo: Option<Template>,
    /// The joiner receives its own join line.
    pub announce_self: bool,
    /// The line the quitter receives after the quit word (`Adiós {user}`), if any.
    pub farewell: Option<Template>,
    /// The quitter receives its own leave line after the quit word.
    pub leave_to_self: bool,
    /// What a client writes for a chat message.
    pub send: Template,
    /// The line the others receive when a user joins, with `{user}`, e.g.
    /// `{user} se ha unido al chat` (JOIN-2); `None` when the assignment has no join lines
    /// (`join = ""`: see [`Profile::not_in_assignment`]).
    pub join: Option<Template>,
    /// The line the others receive when a user leaves, however it left, with `{user}`, e.g.
    /// `{user} ha salido del chat` (LEAVE-1, LEAVE-2); `None` when the assignment has no
    /// leave lines (`leave = ""`).
    pub leave: Option<Template>,
    /// The line the others receive for a chat message, with `{user}` and `{text}`, e.g.
    /// `{user}: {text}` (CHAT-1); or `{text}` alone, for a server that relays only the text:
    /// a line is then credited to the user of the test who wrote that text.
    pub chat: Template,
    /// Sent by the server before it reads the name; consumed at connection start, with or
    /// without a newline after it (a blank line from the server is never an event).
    pub prompt: String,
    /// The lines the joiner receives once its name is accepted, in any order among
    /// themselves and its own join line (none, one, or several).
    pub welcome: Vec<Template>,
    /// The line sent to the offending client only, with an optional `{reason}`, e.g.
    /// `ERROR: {reason}` (INPUT-*, LIMIT-*).
    pub error: Template,
    /// How a bad or taken name is refused: error and close, or error and the prompt again.
    pub reject: Reject,
    /// Received messages matching one of these in full are skipped.
    pub ignore: Vec<Regex>,
    /// Remove ANSI escape sequences (colours) from received messages before matching.
    pub strip_ansi: bool,
    /// Tests this server is known not to support; each must name some test, or the run
    /// stops with a usage error.
    pub skip: Vec<SkipRule>,
    /// Pause between two writes of one user, so each chunk travels alone (chunk framing).
    pub pace_ms: u64,
    /// The `[client]` table: how a client under test is driven (`conformance client`).
    pub client: ClientProfile,
}

/// A profile that cannot be used: names the key and what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file could not be read.
    #[error("cannot read profile {path}: {source}")]
    Read {
        /// The path as given with `--profile`.
        path: String,
        /// Why: not found, permission denied, not UTF-8, …
        source: std::io::Error,
    },
    /// The file is not valid TOML, has an unknown key, or a value of the wrong type.
    #[error("profile {path}: {message}")]
    Syntax {
        /// The path as given with `--profile`.
        path: String,
        /// The TOML parser's message, in its layout (the line, a caret under the fault), and
        /// "did you mean `welcome`?" for a misspelt key.
        message: String,
    },
    /// A key's value is well-typed but unusable: a bad template or regex, a required
    /// placeholder missing, a skip rule without a reason, `pace_ms` over 5000, …
    #[error("profile {path}: key `{key}`: {message}")]
    Key {
        /// The path as given with `--profile` (or `reference`).
        path: String,
        /// The TOML key at fault, e.g. `chat`.
        key: &'static str,
        /// What is wrong with it, e.g. `must contain {user}`.
        message: String,
    },
    /// The name is not a built-in profile and does not look like a path: a bare word such
    /// as `seed` (no `/` or `.`) that names no existing file. Holds the name as given.
    #[error("unknown profile `{0}`: give `reference` or the path of a .toml file")]
    Unknown(String),
}

/// Names of the profiles built into the binary.
pub const BUILT_IN: &[&str] = &["reference"];

impl Profile {
    /// The reference server's wording (PROTOCOL.md §9), built from `chat-protocol`.
    pub fn reference() -> Profile {
        let raw = RawProfile {
            welcome: Lines::One(chat_protocol::wording::WELCOME_TEMPLATE.to_string()),
            ..RawProfile::default()
        };
        Profile::compile("reference", raw).expect("the built-in reference profile is valid")
    }

    /// A built-in profile by name, or a TOML file by path.
    pub fn load(name_or_path: &str) -> Result<Profile, ProfileError> {
        if name_or_path == "reference" {
            return Ok(Profile::reference());
        }
        let path = Path::new(name_or_path);
        if !path.exists() && !name_or_path.contains(['/', '.']) {
            return Err(ProfileError::Unknown(name_or_path.to_string()));
        }
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read {
            path: name_or_path.to_string(),
            source,
        })?;
        Profile::parse(name_or_path, &text)
    }

    /// Parses and checks a profile from TOML text; `name` is used in errors and reports.
    pub fn parse(name: &str, text: &str) -> Result<Profile, ProfileError> {
        let raw: RawProfile = toml::from_str(text).map_err(|e| {
            // The parser's own layout (the line, a caret under the key), and for a misspelt
            // key the nearest one it expected.
            let mut message = e.to_string().trim_end().to_owned();
            if let Some(hint) = crate::suggest::unknown_field(e.message()) {
                message = format!("{message}\n{hint}");
            }
            ProfileError::Syntax {
                path: name.to_string(),
                message,
            }
        })?;
        Profile::compile(name, raw)
    }

    fn compile(name: &str, raw: RawProfile) -> Result<Profile, ProfileError> {
        let key_err = |key: &'static str, message: String| ProfileError::Key {
            path: name.to_string(),
            key,
            message,
        };
        let template = |key: &'static str, text: &str, allowed: &[&str], required: &[&str]| {
            let t = Template::parse(text, allowed).map_err(|e| key_err(key, e.to_string()))?;
            for placeholder in required {
                if !t.has(placeholder) {
                    return Err(key_err(key, format!("must contain {{{placeholder}}}")));
                }
            }
            Ok(t)
        };
        // `join = ""` / `leave = ""`: the assignment has no such announcement.
        let optional = |key: &'static str, text: &str| {
            if text.is_empty() {
                Ok(None)
            } else {
                template(key, text, &["user"], &["user"]).map(Some)
            }
        };
        if raw.join.is_empty() && raw.announce_self {
            return Err(key_err(
                "announce_self",
                "there is no join line to send to the joiner (join = \"\")".into(),
            ));
        }
        if raw.leave.is_empty() && raw.leave_to_self {
            return Err(key_err(
                "leave_to_self",
                "there is no leave line to send to the quitter (leave = \"\")".into(),
            ));
        }
        let quit = if raw.quit.trim().is_empty() {
            None
        } else {
            Some(template("quit", &raw.quit, &["user"], &[])?)
        };
        let welcome = match &raw.welcome {
            Lines::One(line) if line.is_empty() => Vec::new(),
            Lines::One(line) => vec![template("welcome", line, &["user"], &[])?],
            Lines::Many(lines) => lines
                .iter()
                .map(|line| {
                    if line.is_empty() {
                        return Err(key_err("welcome", "a line of the list is empty".into()));
                    }
                    template("welcome", line, &["user"], &[])
                })
                .collect::<Result<_, _>>()?,
        };
        let (echo, own_echo) = match &raw.echo {
            EchoSetting::Flag(echo) => (*echo, None),
            EchoSetting::Wording(wording) => (
                true,
                Some(template("echo", wording, &["user", "text"], &["text"])?),
            ),
        };
        let farewell = if raw.farewell.is_empty() {
            None
        } else {
            Some(template("farewell", &raw.farewell, &["user"], &[])?)
        };
        let ignore = raw
            .ignore
            .iter()
            .map(|pattern| {
                // Checked alone first: `a)|(b` must be an error, not a pattern that escapes
                // the anchoring group (`^(?:a)|(b)$` would ignore every line starting `a`).
                Regex::new(pattern)
                    .and_then(|_| Regex::new(&format!("^(?:{pattern})$")))
                    .map_err(|e| key_err("ignore", format!("bad regex `{pattern}`: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if raw.prompt.contains('\n') && raw.framing == Framing::Line {
            // A prompt ending in a newline is just a line; it is fine, but must be whole.
            if !raw.prompt.ends_with('\n') {
                return Err(key_err(
                    "prompt",
                    "a newline may only stand at the end".into(),
                ));
            }
        }
        for rule in &raw.skip {
            if rule.id.trim().is_empty() {
                return Err(key_err("skip", "an entry has an empty `id`".into()));
            }
            if rule.reason.trim().is_empty() {
                return Err(key_err(
                    "skip",
                    format!("entry `{}` needs a `reason`", rule.id),
                ));
            }
        }
        let pace_ms = raw.pace_ms.unwrap_or(match raw.framing {
            Framing::Line => 0,
            Framing::Chunk => 40,
        });
        if pace_ms > 5_000 {
            return Err(key_err("pace_ms", "must be at most 5000".into()));
        }
        let server_quit = Some(raw.quit.trim()).filter(|q| !q.is_empty() && !q.contains('{'));
        let client = raw
            .client
            .clone()
            .compile(raw.framing, server_quit)
            .map_err(|(key, message)| key_err(key, message))?;
        Ok(Profile {
            name: name.to_string(),
            framing: raw.framing,
            quit,
            echo,
            own_echo,
            announce_self: raw.announce_self,
            farewell,
            leave_to_self: raw.leave_to_self,
            send: template("send", &raw.send, &["user", "text"], &["text"])?,
            join: optional("join", &raw.join)?,
            leave: optional("leave", &raw.leave)?,
            chat: template("chat", &raw.chat, &["user", "text"], &["text"])?,
            prompt: raw.prompt,
            welcome,
            error: template("error", &raw.error, &["reason"], &[])?,
            reject: raw.reject,
            ignore,
            strip_ansi: raw.strip_ansi,
            skip: raw.skip,
            pace_ms,
            client,
        })
    }

    /// How this profile words what PROTOCOL.md quotes in the reference wording: pairs of
    /// (the reference text, this profile's text), for rendering a requirement the way the
    /// server under test speaks. A template the profile lacks (no quit word, no welcome) is
    /// left in the reference wording.
    pub fn wording(&self) -> Vec<(&'static str, String)> {
        use chat_protocol::wording::*;
        let mut pairs = vec![(CHAT_TEMPLATE, self.chat.source().to_string())];
        if let Some(join) = &self.join {
            pairs.push((JOIN_TEMPLATE, join.source().to_string()));
        }
        if let Some(leave) = &self.leave {
            pairs.push((LEAVE_TEMPLATE, leave.source().to_string()));
        }
        if !self.welcome.is_empty() {
            let lines: Vec<&str> = self.welcome.iter().map(Template::source).collect();
            pairs.push((WELCOME_TEMPLATE, lines.join(" / ")));
        }
        if let Some(quit) = &self.quit {
            pairs.push((QUIT_WORD, quit.source().to_string()));
        }
        pairs
    }

    /// Every line the server may send about the user `wire` (its join, leave, welcome and
    /// farewell lines), for a chunk decoder to cut coalesced output with.
    pub fn lines_about(&self, wire: &str) -> Vec<String> {
        let mut lines: Vec<String> = [&self.join, &self.leave]
            .into_iter()
            .flatten()
            .map(|t| t.render(wire, ""))
            .collect();
        lines.extend(self.welcome.iter().map(|w| w.render(wire, "")));
        lines.extend(self.farewell.iter().map(|f| f.render(wire, "")));
        lines
    }

    /// `message` as one write in this profile's framing: a line, or a bare chunk.
    pub fn frame(&self, message: &[u8]) -> Vec<u8> {
        match self.framing {
            Framing::Line => [message, b"\n"].concat(),
            Framing::Chunk => message.to_vec(),
        }
    }

    /// Why the requirement `requirement` is not part of this profile's assignment, when the
    /// profile declares so (PROTOCOL.md §11): without join lines (`join = ""`) nothing can
    /// announce a join (JOIN-2) or wrongly announce one to the joiner (JOIN-3); without
    /// leave lines (`leave = ""`) nothing announces a departure (LEAVE-1, LEAVE-2). Tests of
    /// those requirements are reported as skipped with this reason; every other test runs,
    /// synchronising on sentinels and closes instead.
    pub fn not_in_assignment(&self, requirement: &str) -> Option<String> {
        let (key, requirements): (&str, &[&str]) =
            if self.join.is_none() && ["JOIN-2", "JOIN-3"].contains(&requirement) {
                ("join", &["JOIN-2", "JOIN-3"])
            } else if self.leave.is_none() && ["LEAVE-1", "LEAVE-2"].contains(&requirement) {
                ("leave", &["LEAVE-1", "LEAVE-2"])
            } else {
                return None;
            };
        Some(format!(
            "not part of this assignment (profile: {key} = \"\"): {} not checked, so this \
             run is no full conformance claim",
            requirements.join(" and ")
        ))
    }

    /// The skip rule that applies to the test `test_id`, which checks `requirement`, if any.
    pub fn skip_rule(&self, test_id: &str, requirement: &str) -> Option<&SkipRule> {
        self.skip
            .iter()
            .find(|rule| rule.matches(test_id, requirement))
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// `*` matches any run of characters; everything else is literal.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests;
