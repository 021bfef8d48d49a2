//! A child process that leads a process group of its own (spawned with
//! `process_group(0)`), so that it can be ended whole: a build's compiler helpers, a
//! grading's server.

/// Sends SIGKILL to the process group led by `pid` (nothing for `None`: it has exited).
pub fn kill_group(pid: Option<u32>) {
    if let Some(pgid) = pid.and_then(|p| libc::pid_t::try_from(p).ok()) {
        // SAFETY: kill(2) with a negative pid signals the process group that child leads;
        // it touches no memory of ours.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}
