//! The open-files limit, raised before a run that opens many connections: the strict suite
//! and `conformance load` hold hundreds at once, and a spawned server inherits the limit.
//! macOS starts shells at 256 with an "unlimited" hard limit that cannot be set as such; the
//! `rlimit` crate caps the request at what the kernel allows there.

/// Raises this process's soft limit on open files to at least `needed` when it is lower
/// (never above the hard limit). `Some(warning)` when the limit stays below `needed`: the
/// run goes on, and connections beyond it will fail.
pub fn raise_open_files(needed: u64) -> Option<String> {
    match rlimit::increase_nofile_limit(needed) {
        Ok(now) if now >= needed => None,
        Ok(now) => Some(format!(
            "the open-files limit is {now}, below the {needed} this run may need \
             (raise the hard limit: `ulimit -Hn {needed}`)"
        )),
        Err(e) => Some(format!(
            "cannot raise the open-files limit to {needed}: {e}"
        )),
    }
}
