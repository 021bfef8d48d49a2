//! When the harness itself is interrupted (Ctrl-C, SIGTERM, SIGHUP; on Windows Ctrl-C,
//! Ctrl-Break, console close), the servers it spawned die with it.
//!
//! A spawned server leads a process group of its own, so the terminal's Ctrl-C no longer
//! reaches it, and the harness's `Drop`s do not run when a signal ends the process. So the
//! first spawn installs a handler (the `ctrlc` crate, on its own thread) that kills every
//! live group and exits with status 130, the shell's code for "ended by Ctrl-C". On
//! Windows the console's Ctrl-C reaches the server itself, and its Job object is closed
//! with the harness, which ends it.

use std::io;
use std::sync::{Mutex, Once};

use crate::sync::lock;

/// The process groups (their leaders' ids) of the servers alive now.
static LIVE: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// The exit status of a harness that was interrupted.
pub const INTERRUPTED: i32 = 130;

/// Installs the handler, once per process. Another handler installed first (a program that
/// embeds the harness) is left in place: that program then owns the interruption.
fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            for leader in lock(&LIVE).drain(..) {
                kill_group(leader);
            }
            std::process::exit(INTERRUPTED);
        });
    });
}

/// Runs `spawn`, which starts a group, and keeps the group's leader (`leader`) to kill if
/// the harness is interrupted. The list stays locked from before the spawn until the leader
/// is in it, so an interruption in between waits, then kills that group too.
pub(super) fn spawn_group<T>(
    spawn: impl FnOnce() -> io::Result<T>,
    leader: impl FnOnce(&T) -> u32,
) -> io::Result<T> {
    install();
    let mut live = lock(&LIVE);
    let child = spawn()?;
    live.push(leader(&child));
    Ok(child)
}

/// A server's group was stopped or killed.
pub(super) fn unregister(leader: u32) {
    lock(&LIVE).retain(|&l| l != leader);
}

/// SIGKILL to the group led by `leader`.
#[cfg(unix)]
fn kill_group(leader: u32) {
    let Ok(pgid) = libc::pid_t::try_from(leader) else {
        return;
    };
    if pgid <= 1 {
        return;
    }
    // SAFETY: killpg(2) has no memory-safety preconditions; `pgid` is above 1, so it names
    // one process group, never every process.
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
}

/// The Job object ends the group when the harness exits.
#[cfg(not(unix))]
fn kill_group(_leader: u32) {}
