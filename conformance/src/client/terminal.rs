//! The client under test on a pseudo-terminal (portable-pty), its output fed to a terminal
//! emulator (vt100), so that a test types keys the way a user does and reads the screen the
//! user would see. Clients buffer their output differently without a terminal, and a line
//! editor only runs on one, so a pipe would test another program.
//!
//! A thread reads the terminal and feeds the emulator; every wait is on what the client
//! wrote (a change of the screen, or the client's exit), bounded by the caller.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use tokio::sync::watch;

use crate::sync::lock;

/// Size of the emulated terminal.
const ROWS: u16 = 24;
const COLS: u16 = 100;
/// Rows kept above the screen, so that a long burst can still be read back.
const SCROLLBACK: usize = 1000;
/// The most output kept, byte for byte (a client that floods its terminal is cut off here).
const OUTPUT_LIMIT: usize = 16 << 20;

/// Turns bracketed paste on: a line editor does it each time it starts reading a line.
pub const PASTE_ON: &[u8] = b"\x1b[?2004h";

/// What the client has written so far, emulated.
pub struct Display {
    /// The emulated terminal.
    pub parser: vt100::Parser,
    /// Every byte the client wrote to the terminal (up to 16 MiB).
    pub output: Vec<u8>,
    /// The client closed the terminal (it and everything it started have exited).
    pub closed: bool,
}

impl Display {
    /// The rows of the screen, top to bottom, trailing blanks trimmed.
    pub fn rows(&self) -> Vec<String> {
        rows(self.parser.screen())
    }

    /// Whether `text` is on the screen, on one row.
    pub fn shows(&self, text: &str) -> bool {
        self.rows().iter().any(|row| row.contains(text))
    }

    /// The row the cursor is on.
    pub fn cursor_row(&self) -> String {
        let (row, _) = self.parser.screen().cursor_position();
        self.rows()
            .get(usize::from(row))
            .cloned()
            .unwrap_or_default()
    }

    /// How many times the client has turned bracketed paste on.
    pub fn paste_ons(&self) -> usize {
        occurrences(&self.output, PASTE_ON)
    }

    /// The screen, numbered, for a failure report.
    pub fn screen_text(&self) -> String {
        let rows = self.rows();
        let last = rows
            .iter()
            .rposition(|r| !r.is_empty())
            .map_or(0, |i| i + 1);
        rows[..last]
            .iter()
            .enumerate()
            .map(|(i, row)| format!("{i:>2}|{}", row.escape_debug()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The rows of `screen`, top to bottom, trailing blanks trimmed.
fn rows(screen: &vt100::Screen) -> Vec<String> {
    let (_, cols) = screen.size();
    screen
        .rows(0, cols.get())
        .map(|row| row.trim_end().to_owned())
        .collect()
}

/// How many times `sequence` occurs in `output`.
pub fn occurrences(output: &[u8], sequence: &[u8]) -> usize {
    output
        .windows(sequence.len())
        .filter(|w| *w == sequence)
        .count()
}

/// The display, shared with the thread that feeds it; a counter tells waiters it changed.
#[derive(Clone)]
pub struct Screen {
    display: Arc<Mutex<Display>>,
    changes: watch::Receiver<u64>,
}

impl Screen {
    /// Runs `look` on the display as it is now.
    pub fn look<T>(&self, look: impl FnOnce(&Display) -> T) -> T {
        look(&lock(&self.display))
    }

    /// Waits until `ready` holds for the display, at most `bound`. `Err` carries the screen
    /// as it was then.
    pub async fn wait_for(
        &self,
        bound: Duration,
        ready: impl Fn(&Display) -> bool,
    ) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + bound;
        let mut changes = self.changes.clone();
        loop {
            changes.borrow_and_update();
            if self.look(&ready) {
                return Ok(());
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                // The feeding thread is gone: nothing will change any more.
                Ok(Err(_)) | Err(_) => {
                    return if self.look(&ready) {
                        Ok(())
                    } else {
                        Err(self.look(Display::screen_text))
                    };
                }
            }
        }
    }
}

impl Screen {
    /// Waits until the client has written nothing for `quiet`, at most `bound`: what it
    /// prints in one go (a traceback after its first line) is then all on the screen.
    pub async fn settle(&self, quiet: Duration, bound: Duration) {
        let deadline = tokio::time::Instant::now() + bound;
        let mut changes = self.changes.clone();
        loop {
            changes.borrow_and_update();
            let until = (tokio::time::Instant::now() + quiet).min(deadline);
            match tokio::time::timeout_at(until, changes.changed()).await {
                Ok(Ok(())) if tokio::time::Instant::now() < deadline => {}
                _ => return,
            }
        }
    }
}

/// The client running on a pseudo-terminal of 24 × 100; killed, with every
/// process it started, when dropped.
pub struct Terminal {
    child: Mutex<Box<dyn Child + Send + Sync>>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    screen: Screen,
    /// Kept open for as long as the client runs: closing it hangs up the terminal.
    _master: Mutex<Box<dyn MasterPty + Send>>,
    pid: Option<u32>,
}

/// How the client ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit {
    /// Its exit status (a signal shows as 1).
    pub code: u32,
}

impl Terminal {
    /// Starts `command` (a shell command line) on a new pseudo-terminal, in the current
    /// directory, with `TERM=xterm-256color`.
    ///
    /// # Errors
    ///
    /// When no pseudo-terminal can be opened or the shell cannot be started.
    pub fn start(command: &str) -> Result<Terminal, String> {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| format!("cannot open a pseudo-terminal: {e}"))?;
        let mut builder = CommandBuilder::new("sh");
        builder.args(["-c", command]);
        builder.env("TERM", "xterm-256color");
        if let Ok(dir) = std::env::current_dir() {
            builder.cwd(dir);
        }
        let child = pair
            .slave
            .spawn_command(builder)
            .map_err(|e| format!("cannot start the client `{command}`: {e}"))?;
        // The client holds the only other end now, so reading sees it exit.
        drop(pair.slave);
        let reader = pair
            .master
            .try_clone_reader()
            .map_err(|e| format!("cannot read the pseudo-terminal: {e}"))?;
        let writer = pair
            .master
            .take_writer()
            .map_err(|e| format!("cannot write to the pseudo-terminal: {e}"))?;
        let rows = NonZeroU16::new(ROWS).unwrap_or(NonZeroU16::MIN);
        let cols = NonZeroU16::new(COLS).unwrap_or(NonZeroU16::MIN);
        let display = Arc::new(Mutex::new(Display {
            parser: vt100::Parser::new(rows, cols, SCROLLBACK),
            output: Vec::new(),
            closed: false,
        }));
        let (tx, changes) = watch::channel(0);
        {
            let display = Arc::clone(&display);
            std::thread::spawn(move || feed(reader, &display, &tx));
        }
        Ok(Terminal {
            pid: child.process_id(),
            child: Mutex::new(child),
            writer: Arc::new(Mutex::new(writer)),
            screen: Screen { display, changes },
            _master: Mutex::new(pair.master),
        })
    }

    /// The screen, to look at or wait on.
    pub fn screen(&self) -> &Screen {
        &self.screen
    }

    /// The process id of the shell that runs the client (its process group's leader).
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Types `keys` (`\r` is Enter), however long, without blocking the runtime.
    ///
    /// # Errors
    ///
    /// When the terminal can no longer be written (the client has exited).
    pub async fn type_keys(&self, keys: &[u8]) -> Result<(), String> {
        let writer = Arc::clone(&self.writer);
        let keys = keys.to_vec();
        tokio::task::spawn_blocking(move || {
            let mut writer = lock(&writer);
            writer.write_all(&keys).and_then(|()| writer.flush())
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot type into the client's terminal: {e}"))
    }

    /// How the client ended, if it has.
    pub fn exited(&self) -> Option<Exit> {
        match lock(&self.child).try_wait() {
            Ok(Some(status)) => Some(Exit {
                code: status.exit_code(),
            }),
            _ => None,
        }
    }

    /// Waits until the client has exited, at most `bound`.
    pub async fn wait_exit(&self, bound: Duration) -> Option<Exit> {
        let deadline = Instant::now() + bound;
        let mut changes = self.screen.changes.clone();
        loop {
            if let Some(exit) = self.exited() {
                return Some(exit);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            // An exit closes the terminal (a change) unless something the client started
            // keeps it open; so a change wakes this early, and a poll catches the rest.
            let _ =
                tokio::time::timeout(left.min(Duration::from_millis(50)), changes.changed()).await;
        }
    }
}

impl Drop for Terminal {
    /// A test never leaves a client running: the shell and everything it started share the
    /// process group the terminal's session gave them.
    fn drop(&mut self) {
        let mut child = lock(&self.child);
        #[cfg(unix)]
        if let Some(pid) = self.pid.and_then(|p| libc::pid_t::try_from(p).ok()) {
            // SAFETY: killpg only sends a signal; `pid` is the leader of the session and
            // process group the pty spawn created for our own child.
            unsafe {
                libc::killpg(pid, libc::SIGKILL);
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Feeds the client's output to the emulator (and keeps it) until the terminal closes,
/// telling every waiter after each read.
fn feed(mut reader: Box<dyn Read + Send>, display: &Mutex<Display>, changed: &watch::Sender<u64>) {
    let mut buf = [0; 8192];
    loop {
        // A hung-up pseudo-terminal reads as an error (EIO) on Linux, as end of file elsewhere.
        let n = reader.read(&mut buf).unwrap_or(0);
        {
            let mut display = lock(display);
            if n == 0 {
                display.closed = true;
            } else {
                display.parser.process(&buf[..n]);
                if display.output.len() < OUTPUT_LIMIT {
                    display.output.extend_from_slice(&buf[..n]);
                }
            }
        }
        changed.send_modify(|count| *count += 1);
        if n == 0 {
            return;
        }
    }
}
