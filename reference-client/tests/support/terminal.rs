//! The client on a pseudo-terminal, its output fed to a terminal emulator, so that a test can
//! type keys and read the screen the user would see.
//!
//! Every wait is on what the client wrote to the terminal, and bounded by [`DEADLINE`]; a wait
//! that fails shows the screen as it was.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::Instant;

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

use super::{DEADLINE, client_path};

/// Size of the emulated terminal.
const ROWS: u16 = 24;
const COLS: u16 = 80;

/// The emulated terminal, shared with the thread that feeds it the program's output.
struct Display {
    parser: vt100::Parser,
    /// Every byte the client wrote to the terminal.
    output: Vec<u8>,
    /// The program closed the terminal (it exited).
    closed: bool,
}

struct Shared {
    display: Mutex<Display>,
    changed: Condvar,
}

/// Compares the terminal's settings with those it had at the start. (A closure, because the
/// settings' type comes from the pty crate's own version of `nix`.)
type SettingsCheck = Box<dyn Fn(&dyn MasterPty) -> bool + Send>;

/// How the client ended.
pub struct Exited {
    /// Its exit status.
    pub code: u32,
    /// The terminal's settings are back as they were before the client started.
    pub restored: bool,
    /// The screen it left.
    pub screen: vt100::Screen,
    /// Every byte it wrote to the terminal.
    pub output: Vec<u8>,
}

/// The client running on a pseudo-terminal of [`ROWS`] × [`COLS`]; killed when dropped.
pub struct Terminal {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    shared: Arc<Shared>,
    /// Kept open for as long as the client runs: closing it hangs up the terminal.
    master: Box<dyn MasterPty + Send>,
    /// Whether the terminal's settings are as they were before the client started.
    settings_unchanged: SettingsCheck,
}

impl Terminal {
    /// Starts the client with `args` on a new pseudo-terminal, with `TERM={term}`.
    pub fn start(args: &[String], term: &str) -> Self {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pseudo-terminal");
        let initial = pair.master.get_termios();
        let mut command = CommandBuilder::new(client_path());
        command.args(args);
        command.env("TERM", term);
        let child = pair
            .slave
            .spawn_command(command)
            .expect("start the client on the pseudo-terminal");
        // The client holds the only other end now, so reading sees it exit.
        drop(pair.slave);
        let reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let rows = NonZeroU16::new(ROWS).expect("rows");
        let cols = NonZeroU16::new(COLS).expect("columns");
        let shared = Arc::new(Shared {
            display: Mutex::new(Display {
                parser: vt100::Parser::new(rows, cols, 0),
                output: Vec::new(),
                closed: false,
            }),
            changed: Condvar::new(),
        });
        {
            let shared = Arc::clone(&shared);
            thread::spawn(move || feed(reader, &shared));
        }
        Self {
            child,
            writer,
            shared,
            settings_unchanged: Box::new(move |master| {
                initial.is_some() && master.get_termios() == initial
            }),
            master: pair.master,
        }
    }

    /// Types `keys` (`\r` is Enter).
    pub fn type_in(&mut self, keys: &str) {
        self.writer
            .write_all(keys.as_bytes())
            .expect("type into the terminal");
        self.writer.flush().expect("flush the terminal");
    }

    /// Waits (bounded) until the line editor has the terminal, to read the `nth` line (from
    /// 1), so that what is typed next goes to that line.
    ///
    /// Typed any earlier, keys would be echoed by the terminal itself, then again by the
    /// editor. The sign: the editor turns bracketed paste on each time it switches the terminal
    /// to raw mode to read a line, and off when the line is done.
    pub fn wait_for_editor(&self, nth: usize) {
        let what = format!("the line editor to read line {nth}");
        self.wait_until(&what, |display| {
            display.parser.screen().bracketed_paste()
                && occurrences(&display.output, PASTE_ON) >= nth
        });
    }

    /// Waits (bounded) until the screen satisfies `ready`, and returns it then; `what` says
    /// what was awaited when it never comes.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&vt100::Screen) -> bool) -> vt100::Screen {
        self.wait_until(what, |display| ready(display.parser.screen()))
            .0
    }

    /// Waits (bounded) for the client to exit, and returns how it ended.
    pub fn wait_exit(mut self) -> Exited {
        let (screen, output) = self.wait_until("the client to exit", |display| display.closed);
        let status = self.child.wait().expect("wait for the client");
        Exited {
            code: status.exit_code(),
            restored: (self.settings_unchanged)(self.master.as_ref()),
            screen,
            output,
        }
    }

    /// Waits (bounded) until `ready`, and returns the screen and the output then.
    fn wait_until(&self, what: &str, ready: impl Fn(&Display) -> bool) -> (vt100::Screen, Vec<u8>) {
        let deadline = Instant::now() + DEADLINE;
        let mut display = self.shared.display.lock().expect("display lock");
        loop {
            if ready(&display) {
                return (display.parser.screen().clone(), display.output.clone());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || display.closed {
                let why = if display.closed {
                    " (the client exited)"
                } else {
                    ""
                };
                panic!(
                    "waited for {what} in vain{why}; the screen:\n{}",
                    screen_text(display.parser.screen())
                );
            }
            display = self
                .shared
                .changed
                .wait_timeout(display, left)
                .expect("display lock")
                .0;
        }
    }
}

impl Drop for Terminal {
    /// A failing test must not leave a client running.
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The rows of `screen`, top to bottom, trailing blanks trimmed.
pub fn rows(screen: &vt100::Screen) -> Vec<String> {
    let (_, cols) = screen.size();
    screen
        .rows(0, cols.get())
        .map(|row| row.trim_end().to_owned())
        .collect()
}

/// The rows of `screen`, numbered, for failure messages.
pub fn screen_text(screen: &vt100::Screen) -> String {
    rows(screen)
        .iter()
        .enumerate()
        .map(|(i, row)| format!("{i:>2}|{row}\n"))
        .collect()
}

/// Turns bracketed paste on.
pub const PASTE_ON: &[u8] = b"\x1b[?2004h";

/// How many times `sequence` occurs in `output`.
pub fn occurrences(output: &[u8], sequence: &[u8]) -> usize {
    output
        .windows(sequence.len())
        .filter(|w| *w == sequence)
        .count()
}

/// Feeds the client's output to the emulator (and keeps it) until the client exits, waking
/// every waiter after each read.
fn feed(mut reader: Box<dyn Read + Send>, shared: &Shared) {
    let mut buf = [0; 4096];
    loop {
        // A hung-up pseudo-terminal reads as an error (EIO) on Linux, as end of file elsewhere.
        let n = reader.read(&mut buf).unwrap_or(0);
        let mut display = shared
            .display
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if n == 0 {
            display.closed = true;
            shared.changed.notify_all();
            return;
        }
        display.parser.process(&buf[..n]);
        display.output.extend_from_slice(&buf[..n]);
        shared.changed.notify_all();
    }
}
