//! The drafted profile: each key with its value and the comments that say what was
//! observed, written as TOML that [`crate::profile::Profile::parse`] reads.
//!
//! Three kinds of comment: what was seen (`# beto received … when ana joined`), `# UNSURE:`
//! where the evidence was ambiguous or missing, and `# OBSERVED:` beside a behaviour key that
//! keeps the protocol's value although the server did otherwise (sniff learns wording,
//! never excuses behaviour).

use toml::Value;

/// One key of the draft.
#[derive(Debug, Clone)]
struct Entry {
    key: &'static str,
    value: Value,
    comments: Vec<String>,
}

/// The order keys are written in, the README's.
const ORDER: &[&str] = &[
    "framing",
    "quit",
    "prompt",
    "welcome",
    "join",
    "leave",
    "chat",
    "send",
    "echo",
    "announce_self",
    "farewell",
    "leave_to_self",
    "error",
    "reject",
    "ignore",
    "strip_ansi",
];

/// A profile being drafted.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    entries: Vec<Entry>,
    /// Comments for the whole file, after the header.
    general: Vec<String>,
}

impl Draft {
    fn entry(&mut self, key: &'static str) -> &mut Entry {
        if let Some(i) = self.entries.iter().position(|e| e.key == key) {
            return &mut self.entries[i];
        }
        self.entries.push(Entry {
            key,
            value: Value::String(String::new()),
            comments: Vec::new(),
        });
        self.entries.last_mut().expect("just pushed")
    }

    /// Sets `key` to `value`, with a comment saying why.
    pub fn set(&mut self, key: &'static str, value: impl Into<Value>, comment: impl Into<String>) {
        let entry = self.entry(key);
        entry.value = value.into();
        entry.comments.push(comment.into());
    }

    /// Sets `key` to `value`, keeping its comments.
    pub fn set_value(&mut self, key: &'static str, value: impl Into<Value>) {
        self.entry(key).value = value.into();
    }

    /// Whether `key` has been set.
    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|e| e.key == key)
    }

    /// Adds a comment to `key` (which must be set, now or later).
    pub fn note(&mut self, key: &'static str, comment: impl Into<String>) {
        self.entry(key).comments.push(comment.into());
    }

    /// Adds `# UNSURE: …` to `key`.
    pub fn unsure(&mut self, key: &'static str, comment: impl AsRef<str>) {
        self.note(key, format!("UNSURE: {}", comment.as_ref()));
    }

    /// A comment about the whole profile.
    pub fn general(&mut self, comment: impl Into<String>) {
        self.general.push(comment.into());
    }

    /// Whether some comment of the draft quotes `text` already.
    pub fn quotes(&self, text: &str) -> bool {
        let quoted = format!("{text:?}");
        self.general
            .iter()
            .chain(self.entries.iter().flat_map(|e| &e.comments))
            .any(|c| c.contains(&quoted))
    }

    /// The keys with a comment starting with `prefix` (`UNSURE:`, `OBSERVED:`).
    pub fn keys_noted(&self, prefix: &str) -> Vec<&'static str> {
        self.entries
            .iter()
            .filter(|e| e.comments.iter().any(|c| c.starts_with(prefix)))
            .map(|e| e.key)
            .collect()
    }

    /// The draft as commented TOML, headed by `header` (comment lines).
    pub fn to_toml(&self, header: &[String]) -> String {
        let mut out = String::new();
        for line in header.iter().chain(&self.general) {
            push_comment(&mut out, line);
        }
        let mut entries: Vec<&Entry> = self.entries.iter().collect();
        entries.sort_by_key(|e| ORDER.iter().position(|k| *k == e.key));
        for entry in entries {
            out.push('\n');
            for comment in &entry.comments {
                push_comment(&mut out, comment);
            }
            out.push_str(&format!("{} = {}\n", entry.key, entry.value));
        }
        out
    }
}

/// Width of the draft's comment lines, `# ` included.
const COMMENT_WIDTH: usize = 92;

/// `text` as comment lines (`# …`), one per line of it, wrapped at [`COMMENT_WIDTH`],
/// control characters shown escaped. A comment's continuation lines are indented, so that
/// where one comment ends and the next begins stays visible.
fn push_comment(out: &mut String, text: &str) {
    for line in text.lines() {
        let shown: String = line
            .chars()
            .flat_map(|c| {
                if c.is_control() {
                    c.escape_default().collect::<Vec<_>>()
                } else {
                    vec![c]
                }
            })
            .collect();
        let options = textwrap::Options::new(COMMENT_WIDTH)
            .initial_indent("# ")
            .subsequent_indent("#   ")
            .break_words(false)
            // `CHAT-2`, `--port`: requirement ids and options stay whole.
            .word_splitter(textwrap::WordSplitter::NoHyphenation);
        for wrapped in textwrap::wrap(&shown, options) {
            out.push_str(wrapped.trim_end());
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;

    #[test]
    fn a_draft_is_a_profile_with_its_comments() {
        let mut draft = Draft::default();
        draft.set("chat", "[{user}] {text}", "beto received \"[ana] hola\"");
        draft.set("framing", "line", "every line ended in \\n");
        draft.set("echo", false, "OBSERVED: ana got \"hola\"\nback");
        draft.set("welcome", vec!["a {user}", "b"], "two lines");
        draft.unsure("join", "nothing seen");
        draft.set("join", "{user} \"x\" \u{1b}", "escaped");
        let text = draft.to_toml(&["header".to_string()]);
        assert!(text.starts_with("# header\n"), "{text}");
        assert!(text.find("framing =").unwrap() < text.find("chat =").unwrap());
        assert!(text.contains("# back\n"), "{text}");
        let profile = Profile::parse("draft", &text).expect("parses");
        assert_eq!(profile.chat.source(), "[{user}] {text}");
        assert_eq!(profile.welcome.len(), 2);
        assert_eq!(profile.join.unwrap().source(), "{user} \"x\" \u{1b}");
        assert_eq!(draft.keys_noted("UNSURE:"), ["join"]);
        assert_eq!(draft.keys_noted("OBSERVED:"), ["echo"]);
        assert!(text.contains("# OBSERVED: ana got"), "{text}");
        let long = "word ".repeat(40);
        let mut draft = Draft::default();
        draft.set("chat", "{user}: {text}", long.trim());
        let text = draft.to_toml(&[]);
        let comments: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
        assert!(comments.len() > 1, "{text}");
        assert!(comments.iter().all(|l| l.len() <= COMMENT_WIDTH), "{text}");
        assert!(comments[1].starts_with("#   word"), "{text}");
        // A requirement id at the end of a line is not split at its hyphen.
        let mut draft = Draft::default();
        let id_at_edge = format!("{} (CHAT-2)", "x".repeat(COMMENT_WIDTH - 10));
        draft.set("echo", false, id_at_edge);
        let text = draft.to_toml(&[]);
        assert!(text.contains("#   (CHAT-2)\n"), "{text}");
    }
}
