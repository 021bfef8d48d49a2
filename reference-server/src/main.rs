//! `reference-server`: the command line of the reference chat server.
//!
//! ```text
//! reference-server [--host 127.0.0.1] [--port 8070] [--max-clients 1024] [--max-line 4096]
//!                  [--max-name 32] [--name-timeout 30] [--max-queue 1048576]
//!                  [--stall-timeout 2] [--unframed-after 300]
//! ```
//!
//! The first line on stdout is exactly `listening on HOST:PORT` (with the real port when
//! `--port 0`), flushed at once so scripts can read it (`chat_protocol::listening` writes it
//! and parses it back); every log line goes to stderr.
//!
//! Exit status: 0 when stopped by Ctrl-C or SIGTERM, 1 when the address cannot be bound,
//! 2 for bad arguments (clap's usage error).

#![warn(missing_docs)]

use std::io::Write;
use std::process::ExitCode;
use std::{io, process};

use chat_protocol::listening;
use clap::Parser;
use reference_server::{ChatServer, Config, threads};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

fn main() -> ExitCode {
    let config = Config::parse();
    let (host, port) = (config.host.clone(), config.port);

    let server = match ChatServer::bind(config) {
        Ok(server) => server,
        Err(e) => {
            reference_server::log!("reference-server: cannot listen on {host}:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = match server.local_addr() {
        Ok(addr) => addr,
        Err(e) => {
            reference_server::log!("reference-server: cannot read the bound address: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = stop_on_signals() {
        reference_server::log!("reference-server: cannot install signal handlers: {e}");
        return ExitCode::FAILURE;
    }

    // Scripts wait for this exact line; a closed stdout is not a reason to stop serving.
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "{}", listening::line(addr));
    let _ = stdout.flush();
    drop(stdout);
    reference_server::log!("reference-server: listening on {addr}");

    server.run()
}

/// Starts a thread that ends the process on SIGINT (Ctrl-C) or SIGTERM.
///
/// The process simply exits from that thread, with status 0. That is safe here because the
/// server keeps no state worth saving: exiting closes every socket, and clients see the
/// connection end as they would for any server that goes away. (An orderly shutdown would
/// have to wake the accept loop and every blocked reader and writer, for nothing.)
fn stop_on_signals() -> io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    threads::spawn("signals".to_owned(), move || {
        if let Some(signal) = signals.forever().next() {
            let name = if signal == SIGINT {
                "SIGINT"
            } else {
                "SIGTERM"
            };
            reference_server::log!("reference-server: {name} received, stopping");
            process::exit(0);
        }
    })?;
    Ok(())
}
