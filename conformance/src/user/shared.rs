//! What all the simulated users of one test share: where the server is, how it words
//! things, how long to wait, who is who, and the test's transcript.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use crate::profile::Profile;
use crate::transcript::Transcript;
use crate::wire::{Lexicon, Roster};

/// Bounds on waiting.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// How long one expectation may wait for its event.
    pub expect: Duration,
    /// How long a connection attempt may take.
    pub connect: Duration,
}

/// Shared by a test's users: configuration and logs.
#[derive(Clone)]
pub struct Shared {
    /// How the server words things: what users write and how what they receive is read.
    pub profile: Arc<Profile>,
    /// Where the server under test accepts connections.
    pub addr: SocketAddr,
    /// How long expectations and connection attempts may wait (already scaled by
    /// `--timeout-scale`).
    pub timeouts: Timeouts,
    /// Every user of this test, wire name ↔ script name: lines about anyone else are
    /// ignored, and transcripts show script names.
    pub roster: Roster,
    /// Every message the server may send in this test, to cut a chunk-framed stream.
    pub lexicon: Lexicon,
    /// What every user of the test sent and received, timestamped, shared by all of them.
    pub transcript: Transcript,
    /// The server's process id, when the harness started it (for resource checks).
    pub server_pid: Option<u32>,
    /// Bytes the server sent to this test's users, all connections together: zero after a
    /// failed test means the server never answered (the runner then checks it is alive).
    pub received: Arc<AtomicU64>,
    /// What the test noticed but accepted (`the server removed the spaces around …:
    /// accepted at core`): a passing test shows these as its notes.
    pub notes: Arc<std::sync::Mutex<Vec<String>>>,
    /// Until when a refused connection is tried again: set for the first test of a spawned
    /// server that could not be seen listening (no `/proc/net`), so that the first user's
    /// connect is how the harness waits for it to start. `None`: one attempt.
    pub connect_until: Option<std::time::Instant>,
    /// Sentinels of a join handshake that has served (`Session::sees_join` without join
    /// lines says hello until everyone present heard one): a copy arriving later is
    /// dropped, never taken for a message.
    pub retired: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    /// The first of its own lines a user received back when the profile says the server
    /// does not echo (`ana received its own "[ana] hola" back`): a failure filed under
    /// another requirement may be only that echo (CHAT-2), and its report says so.
    pub echoed: Arc<std::sync::Mutex<Option<String>>>,
}
