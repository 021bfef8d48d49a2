//! `reference-client`: the command line of the reference chat client.
//!
//! ```text
//! reference-client [--host 127.0.0.1] [--port 8070] [--name NAME]
//! ```
//!
//! Without `--name` it asks for one (`Nombre de usuario: `), like the seed's `input()`. Then
//! every line typed (or piped) is sent to the room and every line the server sends is printed.
//! `salir`, or the end of standard input, leaves.
//!
//! At a terminal, lines are typed in a line editor (arrows, Home/End, the up arrow for earlier
//! lines), and a line that arrives meanwhile is printed above the one being typed, which stays
//! intact below it. Ctrl-D or Ctrl-C leaves, like `salir`.
//!
//! Exit status: 0 when the user left (or gave no name), 1 when the server could not be reached
//! or closed the connection first, 2 for bad arguments (clap's usage error).

#![warn(missing_docs)]

use std::process::ExitCode;

use clap::Parser;
use reference_client::{Config, Outcome};

/// Thread-based reference client for the group chat (see PROTOCOL.md).
///
/// A receiver thread prints every line the server sends while the main thread reads lines from
/// standard input and sends them; at a terminal, incoming lines appear above the line being
/// typed. Type `salir` (or end standard input, or press Ctrl-C) to leave.
#[derive(Debug, Parser)]
#[command(name = "reference-client", version)]
struct Cli {
    /// Address of the chat server.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,

    /// Port of the chat server.
    #[arg(long, default_value_t = chat_protocol::limits::DEFAULT_PORT)]
    port: u16,

    /// User name to join with; asked on standard input when not given.
    #[arg(long, value_parser = parse_name)]
    name: Option<String>,
}

/// A name given on the command line must fit on one line and not be blank; everything else
/// (length, control characters, uniqueness) is the server's to judge (INPUT-1..4).
fn parse_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        Err("the name must not be blank".to_owned())
    } else if name.contains('\n') {
        Err("the name must be a single line".to_owned())
    } else {
        Ok(name.to_owned())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = Config {
        host: cli.host,
        port: cli.port,
        name: cli.name,
    };
    match reference_client::run(&config) {
        Ok(Outcome::Quit | Outcome::NoName) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` prints the whole context chain on one line and never a backtrace.
            eprintln!("reference-client: {err:#}");
            ExitCode::FAILURE
        }
    }
}
