//! The server's log: one line per event on stderr.
//!
//! Why not `eprintln!`: it panics when stderr cannot be written, as when the server's log is
//! piped into a program that has gone (`reference-server | tee log`, then Ctrl-C kills
//! `tee`). A panic there would kill the thread that was logging — a client's handler in the
//! middle of its cleanup, or the thread that stops the server on SIGTERM, which then could
//! no longer be stopped. Nobody reading the log is no reason to stop serving, so a line that
//! cannot be written is dropped.

use std::fmt;
use std::io::Write;

/// Writes one log line to stderr, or nothing when stderr is gone.
pub fn line(message: fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

/// `log!("reference-server: {name} joined")`: [`line()`] with `format!`'s syntax.
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => {
        $crate::log::line(format_args!($($arg)*))
    };
}
