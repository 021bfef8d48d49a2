//! What the integration tests of `reference-server` and `reference-client` share, in the
//! manner of h2's `h2-support`: the workspace root, and a server process started on a free
//! port whose address is read from its `listening on HOST:PORT` line, with its log.
//!
//! Only what both suites really need lives here; each suite keeps its own vocabulary (the
//! server's scripted `TestClient`, the client's fake server) in its own `support` module.
//!
//! Every helper is for tests: it panics, with a message saying what went wrong, instead of
//! returning an error. Every wait is bounded; nothing sleeps to synchronise.
//!
//! ```no_run
//! use chat_test_support::{ServerProcess, reference_server_binary};
//!
//! let server = ServerProcess::start(reference_server_binary(), &["--max-clients", "10"]);
//! println!("connect to {}", server.addr());
//! // the server is killed when `server` is dropped
//! ```

#![warn(missing_docs)]

pub mod imports;
mod paths;
mod ports;
mod server_log;
mod server_process;
mod tools;

pub use paths::{reference_client_binary, reference_server_binary, root, workspace_binary};
pub use ports::vacant_port;
pub use server_log::ServerLog;
pub use server_process::{START_TIMEOUT, ServerProcess};
pub use tools::{javac_present, sandbox_present};
