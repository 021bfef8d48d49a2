//! Turning a connection away (LIMIT-1): one `ERROR: …` line saying why, then close, all
//! from the accept loop and without a thread.
//!
//! The seed has no limits, so it never refuses anyone. Here a connection is turned away when
//! every `--max-clients` slot is held, and when the process has run out of file descriptors;
//! either way the client learns why instead of hanging.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};

use chat_protocol::wording;

use crate::outbox::encode;

/// Tells a connection it is not served (`ERROR: {reason}`), and closes it.
///
/// The socket is put in non-blocking mode so that nothing here can stall the accept loop: the
/// line is tiny and the socket's send buffer empty, so the write goes through at once.
pub fn turn_away(stream: TcpStream, reason: &str) {
    let _ = stream.set_nonblocking(true);
    let _ = (&stream).write_all(&encode(&wording::error_line(reason)));
    let _ = stream.shutdown(Shutdown::Write);
    // Read what the client may already have sent (its name), so closing sends a clean FIN
    // rather than a reset. Bounded, and non-blocking.
    let mut buf = [0_u8; 4096];
    for _ in 0..16 {
        match (&stream).read(&mut buf) {
            Ok(n) if n > 0 => continue,
            _ => break,
        }
    }
}
