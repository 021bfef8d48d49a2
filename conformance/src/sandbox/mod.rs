//! Untrusted servers (students' submissions) run confined: `conformance class` and `grade`
//! by default, `conformance run --server-cmd … --sandbox` when asked. Linux only; it needs
//! root, bubblewrap (`bwrap`) and util-linux's `setpriv` and `prlimit`.
//!
//! Two layers, both bubblewrap:
//! - [`network`]: the harness re-executes itself in a private network namespace
//!   (`bwrap --unshare-net`: loopback only, brought up), so the server it starts shares the
//!   harness's loopback and nothing else; a hard-coded port there collides with nothing.
//!   It is a pid namespace too: a harness killed (a grading over its bound) takes every
//!   process it started with it.
//! - [`jail`]: every command of the submission (its build and its server) runs as
//!   `bwrap … -- setpriv … -- prlimit … -- sh -c CMD`: in a mount namespace of its own
//!   whose system is read-only, where the teacher's files (the class folder, the reports
//!   folder, the profile and `[grading]` file) are hidden, the submission's folder is a
//!   private writable copy (bound at its own path, through an open, empty folder in the
//!   place of any folder above it closed to others) and a scratch folder is `HOME` and
//!   `TMPDIR`; in a pid namespace of its own (when the server ends, or the harness dies,
//!   every process it left is killed by the kernel); as a user id of its own
//!   ([`jail::Jail::uid`], unique to the grading), without capabilities or setuid gains;
//!   under the limits of [`limits`].
//!
//! What it prevents: any traffic off the machine, and to anything listening on the host's
//! loopback; writes anywhere but the submission's copy, its scratch folder and a private
//! 64 MiB `/dev/shm`; reading the other submissions, the reports and the teacher's profile
//! and `[grading]` file; fork bombs (a per-user process limit that binds, since the user is
//! not root and is the grading's alone); unbounded memory; busy loops without end (CPU
//! time); processes that outlive the grading (the pid namespaces: when the server ends, or
//! the harness is killed, the kernel kills every process left in them); gaining privileges
//! (no capabilities, `no_new_privs`: setuid programs do not raise it).
//!
//! What it does not: the rest of the system stays readable where its permissions let
//! anybody read it (a teacher's world-readable files elsewhere, e.g. in `/home`); there is
//! no seccomp filter, so every system call the kernel lets an unprivileged user make is
//! allowed (kernel bugs are not contained, and the server may create user namespaces of its
//! own, whose powers reach only those namespaces); the memory bound is per process
//! (RLIMIT_DATA), not per submission; CPU time is bounded per process, and the wall clock
//! per grading only by `class --submission-timeout` (a plain `grade` or `run --sandbox` has
//! the suite's own bounds); disk use in the copy and the scratch folder (on the real disk)
//! is not bounded; the harness itself runs as root (in the namespaces): it only reads what
//! the server sends, over TCP.

pub mod identity;
pub mod jail;
pub mod limits;
pub mod network;

pub use jail::Jail;
pub use network::{enter_private_network, probe};

/// The message of a sandbox that cannot be set up: why, and `without` (how to run
/// unconfined: `give --no-sandbox`).
pub fn unavailable(reason: &str, without: &str) -> String {
    format!(
        "the sandbox for untrusted servers cannot be set up: {reason}. It needs Linux, root, \
         bubblewrap (`apt-get install bubblewrap`) and util-linux's setpriv and prlimit; or \
         {without} to run them unconfined"
    )
}
