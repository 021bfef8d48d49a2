//! `slow`: a user that stops reading never stalls the others (SLOW-1), and a user that keeps
//! reading is never dropped however fast the others send (SLOW-2).
//!
//! One concern per file: [`consumer`] (a user who never reads while another sends 12 MB,
//! paced by the reader) and [`flood`] (a user floods 16 MB as fast as it can while another
//! reads, alone or beside a user who never reads).

mod consumer;
mod flood;

use std::time::Duration;

use crate::case::TestCase;
use crate::profile::Framing;
use crate::session::Session;
use crate::verdict::Verdict;

/// The group, in the order the tests run.
pub fn tests() -> Vec<TestCase> {
    vec![
        consumer::consumer(),
        flood::flood(),
        flood::flood_beside_nonreader(),
    ]
}

/// The receive buffer of a user who never reads: small, so a server that blocks on it blocks
/// early.
const NONREADER_RECV_BUFFER: u32 = 4096;

/// How long the users who do read may wait for their next line, or for a write to go
/// through, in these tests: twice the expectation timeout (4 s by default). A server may hold
/// everyone back for a moment while it finds out that a user has stopped reading (SLOW-1;
/// the reference server waits 2 s), and it may slow a fast sender down (SLOW-2).
fn hold_back(s: &Session) -> Duration {
    s.shared.timeouts.expect * 2
}

/// These tests send thousands of long messages: in chunk framing a long message does not
/// travel as one read, and thousands of paced writes would take minutes.
fn skip_chunk_framing(s: &Session) -> Result<(), Verdict> {
    if s.profile().framing == Framing::Chunk {
        return Err(Verdict::Skip(
            "chunk framing: a message of thousands of bytes does not travel as one read, and \
             thousands of paced writes would take minutes"
                .into(),
        ));
    }
    Ok(())
}
