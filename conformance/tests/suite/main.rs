//! The `conformance` binary's own tests, run against real servers. One module per area:
//! - `cli`: arguments, exit codes, `--list`, `--explain`, bad profiles, unreachable targets;
//! - `reports`: the JSON and JUnit formats of real runs;
//! - `graders`: every format from one run, Gradescope, Classroom and TAP held to their
//!   published shapes, the `[grading]` table's points; `tap_reader`, a strict TAP 14 reader;
//! - `servers`: the reference server passes strict (the fixtures: see `tests/judgement.rs`);
//! - `scenarios`: scenario files, and snapshots of their per-user event transcripts;
//! - `failures`: what a student sees when their server is wrong (snapshot of the report);
//! - `load`: `conformance load`: counts (lost, duplicated), JSON, plot, bad arguments;
//! - `make`: `make conformance` says what the suite's exit code meant when it fails;
//! - `wild_*`: servers from the wild (`fixtures/wild/`) and the verdicts they must get:
//!   `wild_target` (no probe, server output with failures, not a chat server, `--repeat`),
//!   `wild_user` (echo, welcomes after others' joins, unattributed lines),
//!   `wild_report` (setup failures, visible whitespace, true lengths).

mod support;

mod cli;
mod failures;
mod graders;
mod hostile;
mod load;
mod make;
mod reports;
mod scenarios;
mod servers;
mod tap_reader;
mod wild_report;
mod wild_target;
mod wild_user;
