//! Who is who in one test: the wire name each simulated user has on the server (`ana_qxkz`)
//! and the script name the test knows it by (`ana`), and every message a chunk-framed
//! server may send in the test (used to cut its stream).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use crate::sync::lock;

/// The users of one test: wire name (unique on the server) ↔ script name (`ana`).
#[derive(Clone, Default)]
pub struct Roster(Arc<Mutex<Names>>);

#[derive(Default)]
struct Names {
    by_wire: HashMap<String, String>,
    /// (wire, script), longest wire name first, so `ana_x1` is never half-replaced by a
    /// shorter name; kept sorted as names are registered.
    replacements: Vec<(String, String)>,
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
    /// True when `wire` is one of this test's users (traffic of others is ignored).
    pub fn knows(&self, wire: &str) -> bool {
        lock(&self.0).by_wire.contains_key(wire)
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
