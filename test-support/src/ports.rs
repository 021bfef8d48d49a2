//! Ports for tests about a server that is not there.

use std::net::TcpListener;

/// A loopback port that was free a moment ago: nothing listens there (the listener that
/// found it is closed again before this returns).
pub fn vacant_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("the loopback interface gives a free port")
        .port()
}
