//! What the suite knows of a process's resource use, whichever reader found it: `/proc` on
//! Linux (`procfs`), the `sysinfo` crate elsewhere (`portable_stats`).

/// Resource use of a process, from `/proc/<pid>` on Linux.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessStats {
    /// Entries of `/proc/<pid>/task`, less the workers a language runtime starts and ends
    /// on its own ([`crate::procfs::RUNTIME_WORKERS`]); `None` off Linux (no portable count).
    pub threads: Option<usize>,
    /// Entries of `/proc/<pid>/fd` (macOS: open files; Windows: open handles); `None` when
    /// the system does not say.
    pub fds: Option<usize>,
    /// `VmRSS` of `/proc/<pid>/status` (elsewhere the resident set size), in KiB.
    pub rss_kib: u64,
}
