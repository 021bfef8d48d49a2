//! `conformance client`: the suite for the other half of the assignment, the client. The
//! harness plays the server, in the profile's wording, and the client under test runs on a
//! pseudo-terminal, once per test, pointed at it (`--client-cmd '… {host} {port}'`, or a
//! client hard-coded to a port: `--listen PORT`). A test types as a user would and watches
//! both sides: what the client sends on the wire, and what it shows on the screen.
//!
//! - [`terminal`]: the client on a pseudo-terminal, its output on an emulated screen;
//! - [`wire`]: the harness's side of the connection (lines, or one write per message);
//! - [`session`]: what a test works with: start the client, join, type, wait for the screen;
//! - [`cpu`]: how much CPU the client asks for while it should be idle;
//! - [`catalogue`]: the tests, one file per group, each tied to a CLIENT-* requirement;
//! - [`runner`]: runs them and turns each outcome into the suite's [`TestResult`]s, so that
//!   every report format of the server suite serves this one too.
//!
//! The client's keys (its framing, its quit word, what it asks before the name) are the
//! `[client]` table of the profile ([`crate::profile::ClientProfile`]).
//!
//! [`TestResult`]: crate::model::TestResult

pub mod catalogue;
pub mod cpu;
pub mod runner;
pub mod session;
pub mod terminal;
pub mod wire;

pub use session::ClientSession;
