//! The `conformance` binary's own tests, run against real servers. One module per area:
//! - `class`: `conformance class`, `grade` and `merge` on the fixture class of 20;
//! - `cli`: arguments, exit codes, `--list`, `--explain`, bad profiles, unreachable targets;
//! - `client`: `conformance client`: its options, `--listen`, its reports;
//! - `recipes`: the class-grading recipes of `examples/class/` (GitHub Actions, Kubernetes);
//! - `reports`: the JSON and JUnit formats of real runs;
//! - `sandbox`: hostile submissions (`fixtures/sandbox/`) contained, `run --sandbox`;
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

mod class;
mod cli;
mod client;
mod failures;
mod graders;
mod hostile;
mod load;
mod make;
mod recipes;
mod reports;
mod sandbox;
mod scenarios;
mod servers;
mod sniff;
mod tap_reader;
mod wild_report;
mod wild_target;
mod wild_user;
