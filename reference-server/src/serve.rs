//! Serving from the command line: bind, print `listening on HOST:PORT`, stop on Ctrl-C or a
//! termination request, serve. The `reference-server` binary is this one call, and so is
//! `conformance serve-reference`, the hidden mode in which the conformance suite re-executes
//! itself to run the reference server as a process of its own (its threads and descriptors
//! measurable, restartable with `--isolate`).
//!
//! The first line on stdout is exactly `listening on HOST:PORT` (with the real port when
//! `--port 0`), flushed at once so scripts can read it (`chat_protocol::listening` writes it
//! and parses it back); every log line goes to stderr, the address too unless stdout and
//! stderr are both terminals (it would be printed twice on the same screen).

use std::io::{self, IsTerminal, Write};
use std::process::{self, ExitCode};

use chat_protocol::listening;

use crate::{ChatServer, Config, log};

/// Serves `config` until the process is stopped: returns only when it cannot start, with
/// exit status 1 (the address cannot be bound, or the stop handler cannot be installed).
///
/// Ctrl-C, and any request to terminate (SIGTERM or SIGHUP on Unix; Ctrl-Break or closing
/// the console on Windows), ends the process with status 0.
pub fn serve(config: Config) -> ExitCode {
    let (host, port) = (config.host.clone(), config.port);
    let server = match ChatServer::bind(config) {
        Ok(server) => server,
        Err(e) => {
            log!("reference-server: cannot listen on {host}:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = match server.local_addr() {
        Ok(addr) => addr,
        Err(e) => {
            log!("reference-server: cannot read the bound address: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = stop_on_termination() {
        log!("reference-server: cannot install the Ctrl-C handler: {e}");
        return ExitCode::FAILURE;
    }

    // Scripts wait for this exact line; a closed stdout is not a reason to stop serving.
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "{}", listening::line(addr));
    let _ = stdout.flush();
    drop(stdout);
    // In the log too, unless the log would print it on the same terminal a second time
    // (`make run`).
    if !(io::stdout().is_terminal() && io::stderr().is_terminal()) {
        log!("reference-server: listening on {addr}");
    }

    server.run()
}

/// Ends the process on Ctrl-C or a termination request, on every platform: the `ctrlc`
/// crate's handler runs on a thread of its own (SIGINT, SIGTERM and SIGHUP on Unix; Ctrl-C,
/// Ctrl-Break and console close on Windows).
///
/// The process simply exits from that thread, with status 0. That is safe here because the
/// server keeps no state worth saving: exiting closes every socket, and clients see the
/// connection end as they would for any server that goes away. (An orderly shutdown would
/// have to wake the accept loop and every blocked reader and writer, for nothing.)
fn stop_on_termination() -> Result<(), ctrlc::Error> {
    ctrlc::set_handler(|| {
        log!("reference-server: interrupted or asked to terminate, stopping");
        process::exit(0);
    })
}
