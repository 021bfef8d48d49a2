//! The name: the first thing the client sends, alone, once the user has typed it.

use super::{ClientTest, core};

/// The tests of this group.
pub fn tests() -> Vec<ClientTest> {
    vec![first()]
}

fn first() -> ClientTest {
    core(
        "name.first",
        "CLIENT-1",
        "the name the user types is the first message, alone",
    )
    .steps(
        "the client is started on a terminal; once it shows something (its question), the \
             user answers what the profile's [client] before_name lists and types `ana` and \
             Enter; the client must connect and its first message must be `ana`, exactly \
             (a line, or one send() with chunk framing), with nothing before it",
    )
    .causes(
        "a greeting or a handshake sent before the name; the name sent with a prefix \
             (`NAME ana`) or with the first chat message in one send(); the name read from \
             the command line or hard-coded instead of typed; the client connecting only \
             after the first chat line",
    )
    .run(|s| async move {
        s.join().await.map_err(|f| f.in_test())?;
        Ok(())
    })
}
