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
    pub profile: Arc<Profile>,
    pub addr: SocketAddr,
    pub timeouts: Timeouts,
    pub roster: Roster,
    pub lexicon: Lexicon,
    pub transcript: Transcript,
    /// The server's process id, when the harness started it (for resource checks).
    pub server_pid: Option<u32>,
    /// Bytes the server sent to this test's users, all connections together: zero after a
    /// failed test means the server never answered (the runner then checks it is alive).
    pub received: Arc<AtomicU64>,
}
