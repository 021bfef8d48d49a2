//! Who is who in one test: the wire name each simulated user has on the server (`ana_qxkz`)
//! and the script name the test knows it by (`ana`), and every message a chunk-framed
//! server may send in the test (used to cut its stream).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use super::Event;
use crate::sync::lock;

/// Every chat text any test of this run wrote: a line of a server that relays only the
/// text, carrying a text this test did not write but an earlier one did, is that test's
/// (still arriving), not this one's.
static WRITTEN_IN_RUN: std::sync::LazyLock<Mutex<HashSet<String>>> =
    std::sync::LazyLock::new(Mutex::default);

/// True when some test of this run wrote the chat text `text`.
pub fn written_in_run(text: &str) -> bool {
    let written = lock(&WRITTEN_IN_RUN);
    written.contains(text) || written.contains(text.trim())
}

/// The users of one test: wire name (unique on the server) ↔ script name (`ana`).
#[derive(Clone, Default)]
pub struct Roster(Arc<Mutex<Names>>);

#[derive(Default)]
struct Names {
    by_wire: HashMap<String, String>,
    /// (wire, script), longest wire name first, so `ana_x1` is never half-replaced by a
    /// shorter name; kept sorted as names are registered.
    replacements: Vec<(String, String)>,
    /// Who wrote each chat text of the test (text → wire name): how a line of a server
    /// that relays only the text (`chat = "{text}"`) is credited to its sender.
    authors: HashMap<String, String>,
    /// The same, by the text without its surrounding spaces (which a server may strip:
    /// CHAT-3 at core).
    trimmed_authors: HashMap<String, String>,
    /// A text two users of the test wrote (see [`Roster::written_by_two`]).
    written_by_two: Option<String>,
}

impl Roster {
    /// Adds a user: `wire` is its unique name on the server (`ana_qxkz`), `script` the name
    /// the test knows it by (`ana`). Registering the same wire name again changes nothing.
    pub fn register(&self, wire: &str, script: &str) {
        let mut names = lock(&self.0);
        if names
            .by_wire
            .insert(wire.to_string(), script.to_string())
            .is_none()
        {
            let at = names
                .replacements
                .partition_point(|(w, _)| w.len() >= wire.len());
            names
                .replacements
                .insert(at, (wire.to_string(), script.to_string()));
        }
    }
    /// Notes that the user `wire` wrote the chat text `text`.
    pub fn wrote(&self, wire: &str, text: &str) {
        lock(&WRITTEN_IN_RUN).insert(text.to_string());
        let mut names = lock(&self.0);
        if let Some(earlier) = names.authors.insert(text.to_string(), wire.to_string())
            && earlier != wire
        {
            names.written_by_two.get_or_insert_with(|| text.to_string());
        }
        names
            .trimmed_authors
            .insert(text.trim().to_string(), wire.to_string());
    }
    /// A chat text that two users of this test wrote, if any: with a profile whose chat
    /// lines carry only the text, their lines cannot be told apart.
    pub fn written_by_two(&self) -> Option<String> {
        lock(&self.0).written_by_two.clone()
    }
    /// Who wrote the chat text `text` in this test, if anyone did: the very text, or the
    /// text with its surrounding spaces stripped.
    pub fn author(&self, text: &str) -> Option<String> {
        let names = lock(&self.0);
        names
            .authors
            .get(text)
            .or_else(|| names.trimmed_authors.get(text.trim()))
            .cloned()
    }
    /// True when `wire` is one of this test's users (traffic of others is ignored).
    pub fn knows(&self, wire: &str) -> bool {
        lock(&self.0).by_wire.contains_key(wire)
    }
    /// Whose name `wire`, read in a received line, is (see [`Owner`]).
    pub fn owner(&self, wire: &str) -> Owner {
        if self.knows(wire) {
            Owner::ThisTest
        } else if looks_like_a_wire_name(wire) {
            Owner::AnotherTest
        } else {
            Owner::Nobody
        }
    }
    /// Whose line `event` is: that of the user it names (see [`owner`](Self::owner)); an
    /// event that names no one (a prompt, an error, a welcome without a name) is this
    /// test's.
    pub fn owner_of(&self, event: &Event) -> Owner {
        match event.user() {
            Some(user) if !user.is_empty() => self.owner(user),
            _ => Owner::ThisTest,
        }
    }
    /// Replaces wire names by script names, for transcripts and snapshots.
    pub fn normalise(&self, text: &str) -> String {
        let names = lock(&self.0);
        let mut out = text.to_string();
        for (wire, script) in &names.replacements {
            if out.contains(wire.as_str()) {
                out = out.replace(wire.as_str(), script);
            }
        }
        out
    }
}

/// Whose a name in a received line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// One of this test's users.
    ThisTest,
    /// Shaped like the harness's wire names (`ana_qxkz`) but not this test's: a user of an
    /// earlier test still leaving. Its lines are not part of this test.
    AnotherTest,
    /// No simulated user ever had this name (`None`, a name the server made up, an empty
    /// one): an unattributed line, which the test receives and may fail on.
    Nobody,
}

/// True for names shaped like the harness's wire names: `<script>_<four lowercase letters>`
/// (see `Session::wire_name`).
fn looks_like_a_wire_name(name: &str) -> bool {
    name.rsplit_once('_').is_some_and(|(script, tag)| {
        !script.is_empty() && tag.len() == 4 && tag.bytes().all(|b| b.is_ascii_lowercase())
    })
}

/// Every message a chunk-framed server may send in this test, used to cut its stream.
#[derive(Clone, Default)]
pub struct Lexicon(Arc<Mutex<HashSet<Vec<u8>>>>);

impl Lexicon {
    /// Adds a message the server may send, exactly as it would write it (rendered from the
    /// profile, no terminator). Adding it again changes nothing.
    pub fn add(&self, message: String) {
        lock(&self.0).insert(message.into_bytes());
    }
    /// Every message added so far, in no particular order. A copy: messages added later
    /// are not in it.
    pub fn snapshot(&self) -> Vec<Vec<u8>> {
        lock(&self.0).iter().cloned().collect()
    }
}

/// How every sentinel text starts; test messages never do.
pub const SENTINEL_PREFIX: &str = "sync-";

/// True for the harness's own barrier messages.
pub fn is_sentinel(text: &str) -> bool {
    text.starts_with(SENTINEL_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_this_tests_another_tests_or_nobodys() {
        let roster = Roster::default();
        roster.register("ana_qxkz", "ana");
        assert_eq!(roster.owner("ana_qxkz"), Owner::ThisTest);
        assert_eq!(roster.owner("beto_abcd"), Owner::AnotherTest);
        assert_eq!(roster.owner("None"), Owner::Nobody);
        assert_eq!(roster.owner(""), Owner::Nobody);
        assert_eq!(roster.owner("127.0.0.1:50312"), Owner::Nobody);
        assert_eq!(roster.owner("_abcd"), Owner::Nobody);
        assert_eq!(roster.owner("ana_ABCD"), Owner::Nobody);
        // An event is its user's; one that names no one is this test's.
        assert_eq!(roster.owner_of(&Event::leave("None")), Owner::Nobody);
        assert_eq!(roster.owner_of(&Event::join("ana_qxkz")), Owner::ThisTest);
        assert_eq!(roster.owner_of(&Event::Prompt), Owner::ThisTest);
        let unnamed = Event::Welcome {
            user: String::new(),
        };
        assert_eq!(roster.owner_of(&unnamed), Owner::ThisTest);
    }

    #[test]
    fn a_text_is_credited_to_its_writer_even_stripped_and_a_shared_one_is_noticed() {
        let roster = Roster::default();
        roster.wrote("ana_qxkz", "  hola  ");
        roster.wrote("beto_qxkz", "chau");
        assert_eq!(roster.author("  hola  ").as_deref(), Some("ana_qxkz"));
        assert_eq!(roster.author("hola").as_deref(), Some("ana_qxkz"));
        assert_eq!(roster.author("nadie lo dijo"), None);
        assert!(written_in_run("chau"));
        // The same user again is no ambiguity; another user is.
        roster.wrote("ana_qxkz", "  hola  ");
        assert_eq!(roster.written_by_two(), None);
        roster.wrote("beto_qxkz", "  hola  ");
        assert_eq!(roster.written_by_two().as_deref(), Some("  hola  "));
    }
}
