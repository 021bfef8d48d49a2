//! The group-chat protocol, defined once: the reference wording and error reasons, the limits, the text
//! rules (what a valid name is, how control characters are neutralised), and the
//! `listening on HOST:PORT` line the reference server announces its address with.
//!
//! Each item names the PROTOCOL.md requirement it implements. The reference server, the
//! reference client and the conformance harness's built-in `reference` profile all take their
//! wording from here, so the three can never drift apart.

#![warn(missing_docs)]

pub mod limits;
pub mod listening;
pub mod reasons;
pub mod text;
pub mod wording;

pub use text::{NameError, neutralize_controls, validate_name};
