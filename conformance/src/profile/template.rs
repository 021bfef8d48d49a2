//! Templates such as `{user}: {text}`: literal text with named placeholders. A template
//! renders what a client sends and matches what a server sends.

use std::fmt;

use regex::Regex;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Placeholder(String),
}

/// A parsed template with its matcher.
#[derive(Debug, Clone)]
pub struct Template {
    source: String,
    pieces: Vec<Piece>,
    matcher: Regex,
}

/// Why a template string is not usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// A `{` opens a placeholder that no `}` closes (a literal brace is written `{{`).
    Unclosed,
    /// A placeholder this key does not allow, e.g. `{text}` in a `join` template.
    Unknown {
        /// The placeholder's name as written, without braces.
        name: String,
        /// The placeholders the key allows, ready to print: `{user}, {text}`, or `none`.
        allowed: String,
    },
    /// The named placeholder (without braces) appears twice: a matcher could not tell
    /// which occurrence is the value.
    Repeated(String),
    /// Two placeholders with nothing between them (`{user}{text}`): a matcher could not
    /// tell where one ends.
    Adjacent,
    /// Longer than 4096 bytes (`MAX_TEMPLATE`).
    TooLong,
}

/// Longest template accepted, in bytes. Server messages are lines of a few dozen bytes; a
/// template of megabytes would only make a matcher too big to build.
pub const MAX_TEMPLATE: usize = 4096;

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Unclosed => write!(
                f,
                "a `{{` is never closed (write `{{{{` for a literal brace)"
            ),
            TemplateError::Unknown { name, allowed } => {
                write!(f, "unknown placeholder {{{name}}}; allowed here: {allowed}")
            }
            TemplateError::Repeated(name) => write!(f, "placeholder {{{name}}} appears twice"),
            TemplateError::Adjacent => {
                write!(f, "two placeholders need literal text between them")
            }
            TemplateError::TooLong => {
                write!(f, "longer than {MAX_TEMPLATE} bytes")
            }
        }
    }
}

impl Template {
    /// Parses `text`; `allowed` lists the placeholder names this template may use.
    /// `{{` and `}}` stand for literal braces.
    pub fn parse(text: &str, allowed: &[&str]) -> Result<Template, TemplateError> {
        if text.len() > MAX_TEMPLATE {
            return Err(TemplateError::TooLong);
        }
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => name.push(c),
                            None => return Err(TemplateError::Unclosed),
                        }
                    }
                    if !allowed.contains(&name.as_str()) {
                        let allowed = allowed
                            .iter()
                            .map(|a| format!("{{{a}}}"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        let allowed = if allowed.is_empty() {
                            "none".into()
                        } else {
                            allowed
                        };
                        return Err(TemplateError::Unknown { name, allowed });
                    }
                    if pieces.contains(&Piece::Placeholder(name.clone())) {
                        return Err(TemplateError::Repeated(name));
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    } else if matches!(pieces.last(), Some(Piece::Placeholder(_))) {
                        return Err(TemplateError::Adjacent);
                    }
                    pieces.push(Piece::Placeholder(name));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        let mut pattern = String::from("^");
        for piece in &pieces {
            match piece {
                Piece::Literal(l) => pattern.push_str(&regex::escape(l)),
                // A user name is the shortest run that fits; text takes the rest.
                Piece::Placeholder(name) if name == "user" => pattern.push_str("(?P<user>.+?)"),
                Piece::Placeholder(name) => pattern.push_str(&format!("(?P<{name}>.*)")),
            }
        }
        pattern.push('$');
        // Escaped literals and fixed groups: the only way to fail is a matcher too big to
        // build, which the length bound rules out; still an error, never a panic.
        let matcher = Regex::new(&pattern).map_err(|_| TemplateError::TooLong)?;
        Ok(Template {
            source: text.to_string(),
            pieces,
            matcher,
        })
    }

    /// True when the template uses `{name}`.
    pub fn has(&self, name: &str) -> bool {
        self.pieces.contains(&Piece::Placeholder(name.to_string()))
    }

    /// The template as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Fills the placeholders: `user` and `text` (and `reason`) from the arguments.
    pub fn render(&self, user: &str, text: &str) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(l) => out.push_str(l),
                Piece::Placeholder(name) if name == "user" => out.push_str(user),
                Piece::Placeholder(_) => out.push_str(text),
            }
        }
        out
    }

    /// Matches a whole message; returns the captured placeholders by name.
    pub fn captures<'a>(&self, message: &'a str) -> Option<Captures<'a>> {
        let caps = self.matcher.captures(message)?;
        let get = |name: &str| caps.name(name).map(|m| m.as_str());
        Some(Captures {
            user: get("user"),
            text: get("text").or_else(|| get("reason")),
        })
    }
}

/// What a template captured from a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Captures<'a> {
    pub user: Option<&'a str>,
    /// `{text}`, or `{reason}` in error templates.
    pub text: Option<&'a str>,
}
