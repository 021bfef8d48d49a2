//! `reference-server`: the command line of the reference chat server.
//!
//! ```text
//! reference-server [--host 127.0.0.1] [--port 8070] [--max-clients 1024] [--max-line 4096]
//!                  [--max-name 32] [--name-timeout 30] [--max-queue 1048576]
//!                  [--stall-timeout 2] [--unframed-after 300]
//! ```
//!
//! What it prints and when it stops: [`reference_server::serve`].
//!
//! Exit status: 0 when stopped by Ctrl-C or a termination request (SIGTERM, SIGHUP; on
//! Windows also Ctrl-Break or closing the console), 1 when the address cannot be bound, 2 for
//! bad arguments (clap's usage error).

#![warn(missing_docs)]

use std::process::ExitCode;

use clap::Parser;
use reference_server::Config;

fn main() -> ExitCode {
    reference_server::serve(Config::parse())
}
