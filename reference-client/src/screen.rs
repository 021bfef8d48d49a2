//! Where the receiver thread prints the lines it receives.
//!
//! Piped or redirected, every line simply goes to standard output ([`Plain`]). On a terminal
//! the line editor prints it above the line the user is typing instead (see
//! [`crate::editor::Above`]).

use std::io::Write;

/// Somewhere to print one line received from the server, already made safe to print.
pub trait Show {
    /// Prints `line` (which has no `\n`) as a line of its own, at once.
    ///
    /// Failures are ignored: a closed standard output must not end the chat for the people in
    /// the room, and the user quits with `salir` as usual.
    fn show(&mut self, line: &str);
}

/// Printing as the seed does: each line and its `\n` written to `W`, and flushed.
#[derive(Debug)]
pub struct Plain<W>(pub W);

impl<W: Write> Show for Plain<W> {
    fn show(&mut self, line: &str) {
        let _ = writeln!(self.0, "{line}").and_then(|()| self.0.flush());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_end_with_a_newline() {
        let mut out = Vec::new();
        Plain(&mut out).show("ana: hola");
        Plain(&mut out).show("");
        assert_eq!(out, b"ana: hola\n\n");
    }
}
