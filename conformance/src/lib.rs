//! `conformance`: a conformance suite for multi-client chat servers.
//!
//! The architecture, one folder or module per concern:
//! - [`profile`]: how a server words things (TOML profiles), compiled to matchers;
//! - [`wire`]: bytes → messages (line or chunk framing) → protocol events;
//! - [`user`]: a simulated user: a connection, its inbox and its transcript;
//! - [`session`]: what a test gets: users with unique names, barriers, expectations;
//! - [`catalogue`]: the tests, one module per group, each tied to a PROTOCOL.md id;
//! - [`scenario`]: the step format teachers write tests in (`fixtures/scenarios/`);
//! - [`runner`]: selects, runs and times tests; [`report`]: human, JSON, JUnit, TAP,
//!   Markdown, Gradescope and GitHub Classroom output;
//! - [`grading`]: the teacher's `[grading]` table (weights, total, visibility) and scores;
//! - [`class`]: `conformance class`, `grade` and `merge`: a whole class graded, one child
//!   process per submission, and its HTML and CSV report;
//! - [`load`]: `conformance load`, the load generator and its measurements;
//! - [`client`]: `conformance client`, the suite for chat clients (the harness plays the
//!   server; the client runs on a pseudo-terminal);
//! - [`sniff`]: `conformance sniff`, a profile drafted by watching a server;
//! - [`target`]: the server under test (an address, a command, or the reference server);
//! - [`sandbox`]: untrusted servers confined: a private network, a read-only system, an
//!   unprivileged user of their own, limits, their whole process tree ended;
//! - [`model`]: results; [`requirements`]: PROTOCOL.md, embedded.

#![warn(missing_docs)]

pub mod case;
pub mod catalogue;
pub mod check;
pub mod class;
pub mod cli;
pub mod client;
pub mod grading;
pub mod load;
pub mod model;
pub mod open_files;
#[cfg(not(target_os = "linux"))]
mod portable_stats;
mod process_stats;
pub mod procfs;
pub mod profile;
pub mod report;
pub mod requirements;
pub mod runner;
pub mod sandbox;
pub mod scenario;
pub mod session;
pub mod shell;
pub mod sniff;
pub mod suggest;
pub(crate) mod sync;
pub mod target;
pub mod transcript;
pub mod user;
pub mod verdict;
pub mod wire;
