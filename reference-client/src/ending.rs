//! How a session ends: the user quits, or the server closes the connection first.
//!
//! Both can happen at nearly the same moment (the user types `salir` just as the server shuts
//! down), and they call for different endings: exit status 0 after the lines in flight are
//! printed, or a brief message and status 1 at once. One mutex decides which came first.

use std::io::{self, Write};
use std::process;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::terminal_mode::SavedMode;

/// The message printed on standard error when the server closes the connection on us.
pub const CLOSED_BY_SERVER: &str = "conexión cerrada por el servidor";

/// Where the session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Normal chatting: a closed connection is the server's doing.
    Chatting,
    /// The user quit and `salir` is on its way: the server closing is the expected answer.
    Quitting,
    /// The server closed the connection after the user quit.
    Closed,
}

/// The shared ending of one session, between the main (input) thread and the receiver thread.
#[derive(Debug)]
pub struct Ending {
    state: Mutex<State>,
    closed: Condvar,
    terminal: Option<SavedMode>,
}

impl Default for Ending {
    fn default() -> Self {
        Self::new()
    }
}

impl Ending {
    /// A session that is chatting.
    pub fn new() -> Self {
        Self::restoring(None)
    }

    /// A session that is chatting on a terminal whose settings the line editor changes:
    /// `terminal`, the settings before any change, is put back before the process exits from
    /// [`server_closed`](Self::server_closed).
    pub fn restoring(terminal: Option<SavedMode>) -> Self {
        Self {
            state: Mutex::new(State::Chatting),
            closed: Condvar::new(),
            terminal,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing can leave the state half-updated, so a poisoned lock is still good.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The user quit: from now on the server closing the connection is expected.
    pub fn begin_quit(&self) {
        let mut state = self.lock();
        if *state == State::Chatting {
            *state = State::Quitting;
        }
    }

    /// Waits until the server has closed the connection after [`begin_quit`](Self::begin_quit),
    /// or `timeout` has passed; true if it closed.
    pub fn wait_closed(&self, timeout: Duration) -> bool {
        let state = self.lock();
        let (state, _) = self
            .closed
            .wait_timeout_while(state, timeout, |state| *state != State::Closed)
            .unwrap_or_else(PoisonError::into_inner);
        *state == State::Closed
    }

    /// The connection is gone (`error` says how, when it broke rather than closed).
    ///
    /// If the user is quitting this is the expected answer to `salir`: it is recorded, the
    /// main thread waiting in [`wait_closed`](Self::wait_closed) wakes up, and the call
    /// returns. Otherwise the server closed it on us: one brief line goes to standard error
    /// and **the process exits with status 1, from whichever thread called this**.
    ///
    /// Why end the process from here, rather than return? The seed's receiver thread is a
    /// *daemon* thread so that the interpreter can exit when the main thread is done with
    /// `input()`. Our problem is the opposite one: when the server goes away, the main thread
    /// is the one stuck, blocked reading standard input, and a blocking read of stdin cannot
    /// be cancelled portably. (The seed simply leaves the user there until they press Enter.)
    /// So the thread that *knows* the chat is over ends it. That is sound because nothing is
    /// lost: every line received has already been printed and flushed (we flush standard
    /// output once more here anyway), the socket is closed by the operating system, and the
    /// main thread holds nothing that needs a destructor to run. The mutex is held until the
    /// process is gone, so the main thread cannot start quitting half-way through.
    ///
    /// On a terminal the main thread may be in the middle of the line editor, with the
    /// terminal in raw mode: its settings are put back first (on Unix; see
    /// [`SavedMode`]), and the half-typed line is ended, so the message starts on a line of its
    /// own and the shell works as before.
    pub fn server_closed(&self, error: Option<&io::Error>) {
        let mut state = self.lock();
        if *state != State::Chatting {
            *state = State::Closed;
            self.closed.notify_all();
            return;
        }
        let _ = io::stdout().flush();
        if let Some(terminal) = &self.terminal {
            terminal.restore();
            let _ = writeln!(io::stdout()).and_then(|()| io::stdout().flush());
        }
        match error {
            None => eprintln!("{CLOSED_BY_SERVER}"),
            Some(err) => eprintln!("{CLOSED_BY_SERVER}: {err}"),
        }
        process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::thread;

    #[test]
    fn closing_after_quit_wakes_the_waiting_thread() {
        let ending = Arc::new(Ending::new());
        ending.begin_quit();
        let receiver = {
            let ending = Arc::clone(&ending);
            thread::spawn(move || ending.server_closed(None))
        };
        assert!(ending.wait_closed(Duration::from_secs(10)));
        receiver.join().unwrap();
    }

    #[test]
    fn waiting_is_bounded_when_the_server_never_closes() {
        let ending = Ending::new();
        ending.begin_quit();
        assert!(!ending.wait_closed(Duration::from_millis(10)));
    }
}
