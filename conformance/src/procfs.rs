//! The one reader of process facts: threads, open descriptors, memory, CPU time, and a
//! process's children. On Linux they come from `/proc`; elsewhere from
//! `portable_stats` (the `sysinfo` crate), which has no thread count. A fact that
//! cannot be had is `None`, and the checks that need it say they could not be made.
//!
//! Which port a process listens on, and whether a socket is a process's own, only `/proc`
//! tells without opening a connection: off Linux [`listening_on`] answers
//! [`Listening::Unknown`] and [`NO_SOCKET_TABLE`] is the reason to report.

use std::time::Duration;

pub use crate::process_stats::ProcessStats;

/// Why a count is missing from [`ProcessStats`]: `what` (`threads`) on this OS.
pub fn uncounted(what: &str) -> String {
    format!(
        "the server's {what} cannot be counted on {} (only Linux's /proc has them)",
        std::env::consts::OS
    )
}

/// Why, off Linux, a spawned server's listening socket cannot be seen before the first test
/// (nor checked to be its own rather than another program's on the same port).
pub const NO_SOCKET_TABLE: &str = "whether the spawned server listens, and that the \
    listening socket is its own, cannot be seen without Linux's /proc/net/tcp: the first test \
    user's connect waits for the port instead";

/// Name prefixes of threads a language runtime starts and ends by itself, as its load
/// grows, whatever the program does: the JVM's garbage-collector and JIT-compiler workers
/// (`GC Thread#1` appears after a burst of connections and stays a while). A check for
/// leaked handler threads counts the program's threads, not these.
pub const RUNTIME_WORKERS: &[&str] = &[
    "GC Thread#",
    "G1 Conc#",
    "G1 Refine#",
    "C1 CompilerThre",
    "C2 CompilerThre",
];

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

/// Threads, open file descriptors and resident memory of any process (see [`ProcessStats`]
/// for what is known off Linux); `None` when it is gone or a zombie.
pub fn process_stats(pid: u32) -> Option<ProcessStats> {
    proc_stats(pid)
}

/// CPU time `pid` has used so far (user + system, all its threads), from
/// `/proc/<pid>/stat` (elsewhere from the system); `None` when it is gone.
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

/// CPU time `pid` has used so far (user + system, all its threads), from the system
/// (`portable_stats`); `None` when it is gone.
#[cfg(not(target_os = "linux"))]
pub fn process_cpu_time(pid: u32) -> Option<Duration> {
    crate::portable_stats::cpu_time(pid)
}

/// Time the threads of `pid` have spent runnable but waiting for a CPU, summed over its
/// threads (the second field of `/proc/<pid>/task/<tid>/schedstat`, in nanoseconds). On a
/// loaded machine a busy loop gets a small share of a core and waits for the rest: CPU time
/// plus this wait is what it asks for. `None` when the kernel does not keep it, or off Linux.
#[cfg(target_os = "linux")]
pub fn process_run_delay(pid: u32) -> Option<Duration> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total: u64 = 0;
    let mut seen = false;
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        if let Some(waited) = stat
            .split_whitespace()
            .nth(1)
            .and_then(|w| w.parse::<u64>().ok())
        {
            total = total.saturating_add(waited);
            seen = true;
        }
    }
    seen.then(|| Duration::from_nanos(total))
}

/// Time the threads of `pid` have waited for a CPU: only Linux keeps it, so `None` here
/// (a spinning server is then judged by its CPU time alone).
#[cfg(not(target_os = "linux"))]
pub fn process_run_delay(_pid: u32) -> Option<Duration> {
    None
}

/// `/proc` stats of `pid`; `None` when it is gone or a zombie.
#[cfg(target_os = "linux")]
pub(crate) fn proc_stats(pid: u32) -> Option<ProcessStats> {
    let threads = std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
        .filter(|task| {
            let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            !RUNTIME_WORKERS
                .iter()
                .any(|worker| comm.starts_with(worker))
        })
        .count();
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
        threads: Some(threads),
        fds: Some(fds),
        rss_kib,
    })
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn proc_comm(pid: u32) -> Option<String> {
    crate::portable_stats::comm(pid)
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn proc_children(pid: u32) -> Vec<u32> {
    crate::portable_stats::children(pid)
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn proc_stats(pid: u32) -> Option<ProcessStats> {
    crate::portable_stats::stats(pid)
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

/// What `/proc/net/tcp` and `/proc/net/tcp6` say about a local port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listening {
    /// A socket listens on the port: the address to connect to it from this machine (the
    /// loopback address when it listens on every address or on loopback), and the socket's
    /// inode, to tell whose it is ([`owns_socket`]).
    At(std::net::SocketAddr, u64),
    /// The tables were read, and no socket listens on the port yet.
    NotYet,
    /// The tables cannot be read (not Linux, no `/proc`): readiness cannot be seen this way.
    Unknown,
}

/// Whether some process listens on TCP `port`, from `/proc/net/tcp` and `/proc/net/tcp6`,
/// without opening a connection (a connection would be a client the server sees).
pub fn listening_on(port: u16) -> Listening {
    let v4 = std::fs::read_to_string("/proc/net/tcp");
    let v6 = std::fs::read_to_string("/proc/net/tcp6");
    if v4.is_err() && v6.is_err() {
        return Listening::Unknown;
    }
    let found = v4
        .ok()
        .and_then(|t| listener_in(&t, port, false))
        .or_else(|| v6.ok().and_then(|t| listener_in(&t, port, true)));
    found.map_or(Listening::NotYet, |(addr, inode)| {
        Listening::At(addr, inode)
    })
}

/// The `st == 0A` (LISTEN) row of a `/proc/net/tcp{,6}` table whose local port is `port`,
/// as the address a local client connects to.
fn listener_in(table: &str, port: u16, v6: bool) -> Option<(std::net::SocketAddr, u64)> {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
    const LISTEN: &str = "0A";
    table.lines().skip(1).find_map(|row| {
        let mut fields = row.split_whitespace();
        let local = fields.nth(1)?;
        let state = fields.nth(1)?;
        // After `st`: tx_queue:rx_queue tr:when retrnsmt uid timeout inode.
        let inode = fields.nth(5)?.parse::<u64>().ok()?;
        let (ip_hex, port_hex) = local.split_once(':')?;
        if state != LISTEN || u16::from_str_radix(port_hex, 16).ok()? != port {
            return None;
        }
        let ip = if v6 {
            // Four 32-bit words, each in the kernel's (little-endian) byte order.
            let mut bytes = [0u8; 16];
            for (i, word) in bytes.chunks_mut(4).enumerate() {
                let hex = ip_hex.get(i * 8..i * 8 + 8)?;
                word.copy_from_slice(&u32::from_str_radix(hex, 16).ok()?.to_le_bytes());
            }
            let ip = Ipv6Addr::from(bytes);
            match ip.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(ip),
            }
        } else {
            let word = u32::from_str_radix(ip_hex, 16).ok()?;
            IpAddr::V4(Ipv4Addr::from(word.to_le_bytes()))
        };
        let ip = match ip {
            IpAddr::V4(v4) if v4.is_unspecified() || v4.is_loopback() => {
                IpAddr::V4(Ipv4Addr::LOCALHOST)
            }
            IpAddr::V6(v6) if v6.is_unspecified() || v6.is_loopback() => {
                IpAddr::V6(Ipv6Addr::LOCALHOST)
            }
            other => other,
        };
        Some((SocketAddr::new(ip, port), inode))
    })
}

/// The TCP ports on which `pid` or one of its descendants listens, from `/proc/net/tcp{,6}`
/// and the processes' open sockets, sorted; empty where those cannot be read. A server that
/// listens on a port of its own choosing instead of the one it was given shows here.
pub fn listening_ports_of(pid: u32) -> Vec<u16> {
    let sockets: std::collections::HashSet<String> = std::iter::once(pid)
        .chain(proc_descendants(pid))
        .filter_map(|pid| std::fs::read_dir(format!("/proc/{pid}/fd")).ok())
        .flat_map(|fds| fds.flatten())
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|link| link.to_str().map(str::to_owned))
        .filter(|link| link.starts_with("socket:["))
        .collect();
    if sockets.is_empty() {
        return Vec::new();
    }
    let mut ports: Vec<u16> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|table| listen_rows(&table))
        .filter(|(_, inode)| sockets.contains(&format!("socket:[{inode}]")))
        .map(|(port, _)| port)
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// Every LISTEN row of a `/proc/net/tcp{,6}` table, as (local port, socket inode).
fn listen_rows(table: &str) -> Vec<(u16, u64)> {
    table
        .lines()
        .skip(1)
        .filter_map(|row| {
            let mut fields = row.split_whitespace();
            let local = fields.nth(1)?;
            let state = fields.nth(1)?;
            let inode = fields.nth(5)?.parse::<u64>().ok()?;
            let (_, port_hex) = local.split_once(':')?;
            (state == "0A").then_some((u16::from_str_radix(port_hex, 16).ok()?, inode))
        })
        .collect()
}

/// Whether the socket `inode` is open in `pid` or one of its descendants: a listening
/// socket found on a port is the spawned server's, not another program's that took the
/// port first.
pub fn owns_socket(pid: u32, inode: u64) -> bool {
    let wanted = format!("socket:[{inode}]");
    std::iter::once(pid)
        .chain(proc_descendants(pid))
        .any(|pid| {
            std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|fds| {
                fds.flatten().any(|fd| {
                    std::fs::read_link(fd.path()).is_ok_and(|link| link.as_os_str() == &*wanted)
                })
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F96 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 100 0 0 10 0
   1: 0100007F:1F97 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 2 1 0 100 0 0 10 0
   2: 00000000:1F98 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 3 1 0 100 0 0 10 0
";
    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F99 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4 1 0 100 0 0 10 0
   1: 00000000000000000000000001000000:1F9A 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5 1 0 100 0 0 10 0
";

    #[test]
    fn only_a_listening_row_on_the_port_counts() {
        let at = |s: &str, inode| Some((s.parse::<std::net::SocketAddr>().unwrap(), inode));
        assert_eq!(listener_in(TCP, 8086, false), at("127.0.0.1:8086", 1));
        // Established, not listening.
        assert_eq!(listener_in(TCP, 8087, false), None);
        // 0.0.0.0 is reached through loopback.
        assert_eq!(listener_in(TCP, 8088, false), at("127.0.0.1:8088", 3));
        assert_eq!(listener_in(TCP, 9999, false), None);
        assert_eq!(listener_in(TCP6, 8089, true), at("[::1]:8089", 4));
        assert_eq!(listener_in(TCP6, 8090, true), at("[::1]:8090", 5));
        assert_eq!(listener_in("garbage\n1: x y z", 8086, false), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_real_listener_is_seen_and_a_closed_port_is_not() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let Listening::At(addr, inode) = listening_on(port) else {
            panic!("the listener on {port} is not seen");
        };
        assert_eq!(addr, listener.local_addr().unwrap());
        // It is this process's socket, and not another process's.
        assert!(owns_socket(std::process::id(), inode));
        let mut other = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        assert!(!owns_socket(other.id(), inode));
        other.kill().unwrap();
        other.wait().unwrap();
        assert!(listening_ports_of(std::process::id()).contains(&port));
        drop(listener);
        assert_eq!(listening_on(port), Listening::NotYet);
    }

    #[test]
    fn listen_rows_are_port_and_inode() {
        assert_eq!(listen_rows(TCP), vec![(8086, 1), (8088, 3)]);
        assert_eq!(listen_rows(TCP6), vec![(8089, 4), (8090, 5)]);
    }
}
