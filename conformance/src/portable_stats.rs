//! Process facts where `/proc` is absent (macOS, Windows), from the `sysinfo` crate: a
//! process's name, children, CPU time, open files and memory. Its thread count is not
//! available there, and [`crate::process_stats::ProcessStats`] says so (`threads: None`).
//!
//! Only [`crate::procfs`] calls this module, and only off Linux.

use std::time::Duration;

use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};

use crate::process_stats::ProcessStats;

/// A snapshot of `pid` alone, with `what` refreshed; `None` when it is gone.
fn one(pid: u32, what: ProcessRefreshKind) -> Option<(System, Pid)> {
    let pid = Pid::from_u32(pid);
    let mut system = System::new();
    system.refresh_processes_specifics(ProcessesToUpdate::Some(&[pid]), true, what);
    system.process(pid)?;
    Some((system, pid))
}

/// The process's name (`sh`, `cmd.exe`, `python3`).
pub(crate) fn comm(pid: u32) -> Option<String> {
    let (system, pid) = one(pid, ProcessRefreshKind::nothing())?;
    Some(system.process(pid)?.name().to_string_lossy().into_owned())
}

/// The direct children of `pid`: every process whose parent it is.
pub(crate) fn children(pid: u32) -> Vec<u32> {
    let mut system = System::new();
    system.refresh_processes_specifics(
        ProcessesToUpdate::All,
        true,
        ProcessRefreshKind::nothing().with_exe(UpdateKind::Never),
    );
    let parent = Pid::from_u32(pid);
    system
        .processes()
        .values()
        .filter(|p| p.parent() == Some(parent))
        .map(|p| p.pid().as_u32())
        .collect()
}

/// CPU time used so far by `pid`, all its threads.
pub(crate) fn cpu_time(pid: u32) -> Option<Duration> {
    let (system, pid) = one(pid, ProcessRefreshKind::nothing().with_cpu())?;
    Some(Duration::from_millis(
        system.process(pid)?.accumulated_cpu_time(),
    ))
}

/// Resident memory and open files (on Windows: open handles) of `pid`; threads unknown.
pub(crate) fn stats(pid: u32) -> Option<ProcessStats> {
    let (system, pid) = one(pid, ProcessRefreshKind::nothing().with_memory())?;
    let process = system.process(pid)?;
    Some(ProcessStats {
        threads: None,
        fds: process.open_files(),
        rss_kib: process.memory() / 1024,
    })
}
