//! The one reader of process facts from `/proc` (Linux): threads, open descriptors, memory,
//! CPU time, and a process's children. Off Linux every reader answers `None` (or nothing),
//! and the checks that need these facts say they could not be made.

use std::time::Duration;

/// Resource use of a process, from `/proc/<pid>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessStats {
    /// Entries of `/proc/<pid>/task`.
    pub threads: usize,
    /// Entries of `/proc/<pid>/fd`.
    pub fds: usize,
    /// `VmRSS` of `/proc/<pid>/status`, in KiB.
    pub rss_kib: u64,
}

/// `/proc/<pid>/comm`.
#[cfg(target_os = "linux")]
pub(crate) fn proc_comm(pid: u32) -> Option<String> {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(comm.trim_end().to_owned())
}

/// The direct children of `pid`: from `/proc/<pid>/task/*/children` where the kernel has it,
/// otherwise by scanning every `/proc/<n>/stat` for its parent.
#[cfg(target_os = "linux")]
pub(crate) fn proc_children(pid: u32) -> Vec<u32> {
    if std::path::Path::new(&format!("/proc/{pid}/task/{pid}/children")).exists() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            return Vec::new();
        };
        return tasks
            .flatten()
            .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
            .flat_map(|children| {
                children
                    .split_whitespace()
                    .filter_map(|c| c.parse().ok())
                    .collect::<Vec<u32>>()
            })
            .collect();
    }
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&n| proc_parent(n) == Some(pid))
        .collect()
}

/// The parent of `pid`, from `/proc/<pid>/stat` (`pid (comm) state ppid …`; the name may
/// itself contain spaces and parentheses, so parse after the last `)`).
#[cfg(target_os = "linux")]
pub(crate) fn proc_parent(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Threads, open file descriptors and resident memory of any process, from `/proc`; `None`
/// when it is gone or a zombie, or off Linux.
pub fn process_stats(pid: u32) -> Option<ProcessStats> {
    proc_stats(pid)
}

/// CPU time `pid` has used so far (user + system, all its threads), from
/// `/proc/<pid>/stat`; `None` when it is gone, or off Linux.
#[cfg(target_os = "linux")]
pub fn process_cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    let ticks = clock_ticks_per_second();
    Some(Duration::from_millis(
        (utime + stime).saturating_mul(1000) / ticks,
    ))
}

#[cfg(not(target_os = "linux"))]
pub fn process_cpu_time(_pid: u32) -> Option<Duration> {
    None
}

/// `/proc` stats of `pid`; `None` when it is gone or a zombie.
#[cfg(target_os = "linux")]
pub(crate) fn proc_stats(pid: u32) -> Option<ProcessStats> {
    let threads = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?.count();
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(ProcessStats {
        threads,
        fds,
        rss_kib,
    })
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn proc_comm(_pid: u32) -> Option<String> {
    None
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn proc_children(_pid: u32) -> Vec<u32> {
    Vec::new()
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn proc_stats(_pid: u32) -> Option<ProcessStats> {
    None
}

/// Every descendant of `pid`, children first.
pub(crate) fn proc_descendants(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut frontier = vec![pid];
    // Bounded: a fork bomb must not hang us.
    while let Some(next) = frontier.pop() {
        for child in proc_children(next) {
            if found.len() < 1024 && !found.contains(&child) {
                found.push(child);
                frontier.push(child);
            }
        }
    }
    found
}

/// The kernel's clock ticks per second, the unit of the CPU times in `/proc/<pid>/stat`.
#[cfg(target_os = "linux")]
fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf(3) only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|&t| t > 0).unwrap_or(100)
}
