//! The terminal's settings, saved before the line editor changes them, so that they can be put
//! back when the process has to end while the editor is still reading a line (see
//! [`crate::ending::Ending::server_closed`]).
//!
//! While it reads a line, the editor switches the terminal to "raw" mode (no echo, no line
//! buffering, Ctrl-C as a key) and turns on bracketed paste (pasted text arrives marked as
//! such). It undoes both when the line is done, but the process may end in the middle of a
//! line, and a shell left in raw mode is unusable.

use std::io::Write;

/// Turns bracketed paste off (xterm's private mode 2004), as the editor does after each line.
const BRACKETED_PASTE_OFF: &str = "\x1b[?2004l";

/// The settings of standard input's terminal, as they were before the editor changed them.
#[derive(Debug, Clone, Copy)]
pub struct SavedMode {
    #[cfg(unix)]
    termios: nix::libc::termios,
}

impl SavedMode {
    /// Saves the settings of the terminal on standard input; `None` when it is not a terminal
    /// (or, outside Unix, always: there the settings are not saved).
    pub fn of_stdin() -> Option<Self> {
        #[cfg(unix)]
        {
            let termios = nix::sys::termios::tcgetattr(std::io::stdin()).ok()?;
            Some(Self {
                termios: termios.into(),
            })
        }
        #[cfg(not(unix))]
        {
            None
        }
    }

    /// Turns bracketed paste off and puts the saved settings back, once everything already
    /// written has reached the terminal. Best effort: the process is on its way out, and there
    /// is nothing better to do if it fails.
    pub fn restore(&self) {
        let mut stdout = std::io::stdout();
        let _ = stdout
            .write_all(BRACKETED_PASTE_OFF.as_bytes())
            .and_then(|()| stdout.flush());
        #[cfg(unix)]
        {
            use nix::sys::termios::{SetArg, Termios, tcsetattr};
            let termios = Termios::from(self.termios);
            let _ = tcsetattr(std::io::stdin(), SetArg::TCSADRAIN, &termios);
        }
    }
}
