//! A child process that leads a process group of its own, so that it can be ended whole: a
//! build's compiler helpers, a grading's server. [`own_group`] before the spawn,
//! [`kill_group`] to end it.
//!
//! On Unix that is a real process group (`process_group(0)`, then SIGKILL to the group).
//! Elsewhere (Windows) there is no such group: only the child itself is killed. What it
//! started is not left behind for long, though: a `conformance grade` child puts its server
//! in a Job object that ends with it (see `target::process`); a `--build-cmd`'s own
//! children may outlive it.

use tokio::process::{Child, Command};

/// Makes the child spawned by `command` lead a process group of its own (on Unix; elsewhere
/// nothing).
pub fn own_group(command: &mut Command) -> &mut Command {
    #[cfg(unix)]
    command.process_group(0);
    command
}

/// Kills `child` and, on Unix, the whole process group it leads (sent SIGKILL); elsewhere
/// the child alone. Nothing for a child that has already been waited for. The caller still
/// waits for it.
pub fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    if let Some(pgid) = child.id().and_then(|p| libc::pid_t::try_from(p).ok()) {
        // SAFETY: kill(2) with a negative pid signals the process group that child leads;
        // it touches no memory of ours.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = child.start_kill();
}
