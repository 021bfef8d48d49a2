//! The reference chat client: the seed's `ChatClient`, in threads.
//!
//! The Python seed connects, asks for a name with `input()`, sends it, starts a *daemon*
//! receiver thread that prints whatever arrives, and then blocks in `input()` in a loop,
//! sending each line until the user types `salir`. This crate keeps that shape:
//!
//! - [`connection`]: connecting, and writing one whole line per message (FRAME-1).
//! - [`input`]: reading the name and the user's lines from standard input.
//! - [`editor`]: the same, on a terminal, through a line editor.
//! - [`receiver`]: the receiver thread, which prints every incoming line with control
//!   characters neutralised, so a hostile server cannot drive the terminal (INPUT-7).
//! - [`screen`]: where the receiver thread prints: standard output, or above the line being
//!   edited.
//! - [`ending`]: who ends the process, and with which exit status, when the user quits and
//!   the server closes at nearly the same time; [`terminal_mode`], the terminal settings it
//!   puts back on the way out.
//!
//! Where it departs from the seed, and why:
//!
//! - On a terminal, a line that arrives while the user is typing is printed *above* the line
//!   being typed, which is redrawn intact below it. The seed's receiver thread `print()`s into
//!   the middle of the half-typed line instead (`half-typedbeto: interrupting`). The structure
//!   is the seed's: the receiver thread still prints every line as it arrives, and the main
//!   thread still loops reading a line and sending it; only the reading is done by a line
//!   editor, which the receiver thread asks to print (see [`editor`] for how). Piped input or
//!   redirected output is read and printed exactly as before, and lines are neutralised
//!   (INPUT-7) before either way of printing them. With the editor, Ctrl-C leaves like
//!   Ctrl-D (the terminal no longer turns it into a signal), and a server that closes while
//!   a line is half-typed gets the terminal's settings put back before the process ends.
//! - End of standard input counts as `salir`, and `salir` is really sent, so the server
//!   announces the leave (LEAVE-1) and piped input (`printf 'ana\nhola\n' | reference-client`)
//!   works.
//! - After `salir` the client waits (at most [`QUIT_GRACE`]) for the server to close the
//!   connection, so lines already in flight are still printed.
//! - When the server closes first, the seed's main thread stays stuck in `input()` until the
//!   user presses Enter. Here the receiver thread ends the process at once (see
//!   [`ending::Ending::server_closed`] for why that is sound).

#![warn(missing_docs)]

pub mod connection;
pub mod editor;
pub mod ending;
pub mod input;
pub mod receiver;
pub mod screen;
pub mod terminal_mode;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chat_protocol::wording::{QUIT_WORD, is_quit};

use crate::editor::LineEditor;
use crate::ending::Ending;
use crate::input::{Lines, Piped};
use crate::screen::{Plain, Show};
use crate::terminal_mode::SavedMode;

/// How long the client waits, after sending `salir`, for the server to close the connection.
pub const QUIT_GRACE: Duration = Duration::from_secs(2);

/// What to connect to, and as whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Host name or address of the server.
    pub host: String,
    /// Port of the server.
    pub port: u16,
    /// The user name; `None` asks for it on standard input.
    pub name: Option<String>,
}

/// How a session ended normally. (When the server closes the connection first, the process
/// exits with status 1 from [`Ending::server_closed`] and `run` never returns.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The user typed `salir` or ended standard input.
    Quit,
    /// Standard input ended before a name was given; nothing was sent.
    NoName,
}

/// Runs one chat session on standard input and standard output: through the line editor
/// when both are a terminal it can drive, as the seed does otherwise.
///
/// # Errors
///
/// When the server cannot be reached, or standard input cannot be read. A connection closed
/// by the server does not come back here: it ends the process (see [`Ending::server_closed`]).
pub fn run(config: &Config) -> anyhow::Result<Outcome> {
    let stream = connection::connect(&config.host, config.port)?;
    // Saved before the editor first changes the terminal's settings.
    let saved = SavedMode::of_stdin();
    match LineEditor::on_terminal() {
        Some((mut editor, above)) => {
            let ending = Ending::restoring(saved);
            chat(config, stream, &mut editor, above, ending)
        }
        None => {
            let mut piped = Piped::new(io::stdin().lock(), io::stdout());
            let ending = Ending::new();
            chat(config, stream, &mut piped, Plain(io::stdout()), ending)
        }
    }
}

/// The seed's session: ask the name, start the receiver thread printing on `screen`, send the
/// name, then send every line read from `lines` until `salir` or the end of input.
fn chat(
    config: &Config,
    stream: std::net::TcpStream,
    lines: &mut impl Lines,
    screen: impl Show + Send + 'static,
    ending: Ending,
) -> anyhow::Result<Outcome> {
    let name = match &config.name {
        Some(name) => name.clone(),
        None => match input::ask_name(lines).context("no se puede leer el nombre de usuario")? {
            Some(name) => name,
            None => return Ok(Outcome::NoName),
        },
    };

    // The receiver starts before the name is sent, so an `ERROR: …` the server sends at once
    // (server full, name in use) is printed however quickly the server then closes.
    let ending = Arc::new(ending);
    let reader = stream
        .try_clone()
        .context("no se puede compartir la conexión con el hilo receptor")?;
    receiver::spawn(reader, screen, Arc::clone(&ending))
        .context("no se puede iniciar el hilo receptor")?;

    let mut sender = Sender { stream, ending };
    sender.send(&name);

    let read_result = loop {
        match lines.read_line("") {
            Ok(Some(line)) if is_quit(&line) => break Ok(()),
            // The server would ignore a blank line anyway (FRAME-4); don't bother it.
            Ok(Some(line)) if line.trim().is_empty() => {}
            Ok(Some(line)) => sender.send(&line),
            Ok(None) => break Ok(()),
            Err(err) => break Err(err),
        }
    };
    // Leave properly even when standard input failed: the server still announces it.
    sender.quit();
    read_result.context("no se puede leer la entrada estándar")?;
    Ok(Outcome::Quit)
}

/// The main thread's half of the connection: it writes, the receiver thread reads.
struct Sender {
    stream: std::net::TcpStream,
    ending: Arc<Ending>,
}

impl Sender {
    /// Sends one line. A failed write means the connection is gone: the receiver thread will
    /// see it too and end the process once the lines still in flight are printed, so give it
    /// [`QUIT_GRACE`] to do so before ending the process from here.
    fn send(&mut self, line: &str) {
        if let Err(err) = connection::send_line(&mut self.stream, line) {
            self.ending.wait_closed(QUIT_GRACE);
            self.ending.server_closed(Some(&err));
        }
    }

    /// Sends `salir` and waits, at most [`QUIT_GRACE`], for the server to close the connection.
    fn quit(mut self) {
        self.ending.begin_quit();
        // Bounded even when the server has stopped reading and our send buffer is full. A
        // failed write means the server is already gone, which is what we wanted anyway.
        let _ = self.stream.set_write_timeout(Some(QUIT_GRACE));
        let _ = connection::send_line(&mut self.stream, QUIT_WORD);
        self.ending.wait_closed(QUIT_GRACE);
    }
}
