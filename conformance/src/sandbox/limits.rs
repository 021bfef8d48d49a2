//! The resource limits of a jailed command, set with `prlimit` (setrlimit) before it
//! starts; every process it forks inherits them.
//!
//! Memory is bounded by RLIMIT_DATA (private writable memory: the heap, `malloc`'s arenas,
//! thread stacks), not by RLIMIT_AS: the JVM reserves gigabytes of address space it never
//! uses (heap, code cache, class space) and dies at start under an address-space bound,
//! while its data stays far below [`DATA_BYTES`] (`java` with its default options starts
//! under it). A memory cgroup would bound a submission's processes together, but needs a
//! delegated cgroup v2 tree that CI machines do not all have; the per-process bound with
//! the process limit bounds the whole: at most [`PROCESSES`] × [`DATA_BYTES`].
//!
//! Processes: RLIMIT_NPROC counts every process and thread of the jailed user id, which is
//! the grading's own ([`super::Jail::uid`]): it binds because that user is not root. A JVM
//! runs about 20 threads; a fork bomb stops at the limit.

/// Processes and threads of one grading's user, all together.
pub const PROCESSES: u64 = 128;
/// Private writable memory of one process, in bytes (1 GiB).
pub const DATA_BYTES: u64 = 1 << 30;
/// CPU time of one process, in seconds (soft and hard alike: then it is killed).
pub const CPU_SECONDS: u64 = 120;
/// Open files of one process (the suite's strict tests hold hundreds of connections).
pub const OPEN_FILES: u64 = 4096;

/// `prlimit`'s arguments for these limits (soft and hard alike), without the command.
pub fn prlimit_args() -> Vec<String> {
    vec![
        "prlimit".to_owned(),
        format!("--nproc={PROCESSES}"),
        format!("--data={DATA_BYTES}"),
        format!("--cpu={CPU_SECONDS}"),
        format!("--nofile={OPEN_FILES}"),
        "--core=0".to_owned(),
    ]
}
