//! The `conformance` binary's own tests, run against real servers. One module per area:
//! - `cli`: arguments, exit codes, `--list`, `--explain`, bad profiles, unreachable targets;
//! - `reports`: the JSON and JUnit formats of real runs;
//! - `servers`: the reference server passes strict (the fixtures: see `tests/judgement.rs`);
//! - `scenarios`: scenario files, and snapshots of their per-user event transcripts;
//! - `failures`: what a student sees when their server is wrong (snapshot of the report);
//! - `load`: `conformance load`: counts (lost, duplicated), JSON, plot, bad arguments;
//! - `wild_user`: the simulated users against servers from the wild (echo, unordered
//!   welcomes, unattributed lines).

mod support;

mod cli;
mod failures;
mod hostile;
mod load;
mod reports;
mod scenarios;
mod servers;
mod wild_user;
