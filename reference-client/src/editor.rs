//! Reading lines on a terminal with a line editor, so that lines from the server never break
//! the line being typed.
//!
//! The seed reads with `input()` and prints from the receiver thread with `print()`: two
//! threads writing to one terminal line. A message that arrives while the user is typing is
//! printed in the middle of the half-typed text (`half-typedbeto: interrupting`), and what is
//! typed next carries on after it. Here the terminal is read by a line editor (rustyline, on
//! Linux, macOS and Windows) that owns the line being typed: the receiver thread hands each
//! incoming line to the editor's *external printer* ([`Above`]), and the editor clears the line
//! being edited, prints the message, and redraws the prompt and the half-typed text below it.
//!
//! The editor is used only when both standard input and standard output are terminals, and
//! the terminal can be driven ([`LineEditor::on_terminal`]); piped input and redirected output
//! read and print as the seed does.
//!
//! One limit is the editor's: between reading the Enter key and handing the terminal back it
//! takes no more lines to print, and one that the receiver thread hands it in that instant
//! (microseconds) waits until the editor reads the next line. Had another line arrived in the
//! meantime, the two would show in the wrong order; after `salir` there is no next line, and
//! it is not shown.

use std::io::{self, IsTerminal};

use rustyline::error::ReadlineError;
use rustyline::{Config, DefaultEditor, ExternalPrinter};

use crate::input::Lines;
use crate::screen::Show;

/// True when the user is at a terminal: standard input and standard output both are one.
fn is_interactive() -> bool {
    io::stdin().is_terminal() && io::stdout().is_terminal()
}

/// The line editor on standard input and standard output.
pub struct LineEditor {
    editor: DefaultEditor,
}

impl LineEditor {
    /// The line editor, and where the receiver thread prints while it reads: above the line
    /// being edited. It remembers the lines typed in this session (the up arrow brings them
    /// back).
    ///
    /// `None` unless standard input and standard output are both a terminal, and one the
    /// editor can drive (not `TERM=dumb`, for instance): then lines are read and printed as
    /// the seed does.
    pub fn on_terminal() -> Option<(Self, Above)> {
        if !is_interactive() {
            return None;
        }
        let config = Config::builder().auto_add_history(true).build();
        let mut editor = DefaultEditor::with_config(config).ok()?;
        let printer = editor.create_external_printer().ok()?;
        let above = Above {
            printer: Box::new(printer),
        };
        Some((Self { editor }, above))
    }
}

impl Lines for LineEditor {
    /// Reads one line with the editor. Ctrl-D (end of input) and Ctrl-C both end the input:
    /// the caller leaves the chat as it does at the end of piped input.
    fn read_line(&mut self, prompt: &str) -> io::Result<Option<String>> {
        match self.editor.readline(prompt) {
            Ok(line) => Ok(Some(line)),
            Err(ReadlineError::Eof | ReadlineError::Interrupted) => Ok(None),
            Err(ReadlineError::Io(err)) => Err(err),
            Err(err) => Err(io::Error::other(err)),
        }
    }
}

/// Prints lines above the line being edited, and redraws that line intact below them. When no
/// line is being edited (before the first, between two, after `salir`) it prints at once.
pub struct Above {
    printer: Box<dyn ExternalPrinter + Send>,
}

impl Show for Above {
    fn show(&mut self, line: &str) {
        // The `\n` is ours to add: the editor adds one only when a line is being edited.
        let _ = self.printer.print(format!("{line}\n"));
    }
}
