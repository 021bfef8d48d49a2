//! The spawned-server tests that need Linux: they look at `/proc` to see which process runs,
//! what it holds and when it is gone, and at `/proc/net/tcp` for whose socket listens.

use std::time::{Duration, Instant};

use super::process::STOP_GRACE;
use super::*;
use crate::procfs::{proc_comm, process_cpu_time};

/// A Python server that listens on `{port}` and then sleeps.
const PY_LISTEN: &str = "python3 -c 'import socket, sys, time; s = socket.socket(); \
     s.bind((\"127.0.0.1\", int(sys.argv[1]))); s.listen(16); time.sleep(60)' {port}";

/// Waits (bounded) until `pid` is gone or a zombie.
async fn wait_gone(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        match std::fs::read_to_string(format!("/proc/{pid}/status")) {
            Err(_) => return true,
            Ok(s)
                if s.lines()
                    .any(|l| l.starts_with("State:") && l.contains('Z')) =>
            {
                return true;
            }
            Ok(_) => tokio::time::sleep(POLL_INTERVAL).await,
        }
    }
    false
}

#[tokio::test]
async fn a_command_starts_reports_stats_and_stops() {
    let spec = TargetSpec::Command(PY_LISTEN.to_owned());
    let mut target = Target::start(&spec, Duration::from_secs(20)).await.unwrap();
    assert_eq!(target.label(), PY_LISTEN);
    assert!(target.addr().ip().is_loopback());
    let pid = target.pid().unwrap();
    // `exec`: the process is the server itself, not a shell.
    assert!(
        proc_comm(pid).unwrap().starts_with("python"),
        "{:?}",
        proc_comm(pid)
    );
    let stats = target.stats().unwrap();
    assert!(stats.threads >= Some(1), "{stats:?}");
    assert!(stats.fds >= Some(1), "{stats:?}");
    assert!(stats.rss_kib > 0, "{stats:?}");
    assert_eq!(target.has_exited(), None);
    let started = Instant::now();
    target.stop().await;
    assert!(started.elapsed() < STOP_GRACE, "SIGTERM should end it");
    assert!(wait_gone(pid).await);
}

#[tokio::test]
async fn dropping_a_target_kills_the_server() {
    let spec = TargetSpec::Command(PY_LISTEN.to_owned());
    let target = Target::start(&spec, Duration::from_secs(20)).await.unwrap();
    let pid = target.pid().unwrap();
    drop(target);
    assert!(wait_gone(pid).await);
}

#[tokio::test]
async fn a_crash_after_startup_is_reported() {
    // Accepts one connection (this test's), then dies.
    let command = "python3 -c 'import socket, sys; s = socket.socket(); \
         s.bind((\"127.0.0.1\", int(sys.argv[1]))); s.listen(16); s.accept(); \
         sys.stderr.write(\"panic: ghost client\\n\"); sys.exit(7)' {port}";
    let spec = TargetSpec::Command(command.to_owned());
    let mut target = Target::start(&spec, Duration::from_secs(20)).await.unwrap();
    assert!(target.seen_listening(), "seen in /proc/net/tcp");
    let _client = tokio::net::TcpStream::connect(target.addr()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let description = loop {
        if let Some(d) = target.has_exited() {
            break d;
        }
        assert!(Instant::now() < deadline, "the crash was not noticed");
        tokio::time::sleep(POLL_INTERVAL).await;
    };
    assert!(description.contains("exit status: 7"), "{description}");
    // The stderr drain may lag the exit a little; the status is what matters here.
    if let Some(process) = target.process.as_mut() {
        process.settle_output().await;
    }
    let description = target.has_exited().unwrap();
    assert!(description.contains("panic: ghost client"), "{description}");
    assert_eq!(target.stats(), None);
    target.stop().await;
}

#[test]
fn cpu_time_is_read_for_a_live_process_only() {
    let me = std::process::id();
    let before = process_cpu_time(me).unwrap();
    // Burn a little CPU, observably: the counter must not go backwards.
    let mut x = 0_u64;
    for i in 0..2_000_000_u64 {
        x = x.wrapping_mul(31).wrapping_add(i);
    }
    assert!(x != 1);
    assert!(process_cpu_time(me).unwrap() >= before);
    assert_eq!(process_cpu_time(u32::MAX), None);
}

#[tokio::test]
async fn a_compound_command_is_watched_through_its_shell() {
    // `; true` keeps the shell from exec-ing the last command itself.
    let command = format!("cd / && {PY_LISTEN}; true");
    let spec = TargetSpec::Command(command);
    let target = Target::start(&spec, Duration::from_secs(20)).await.unwrap();
    let pid = target.pid().unwrap();
    let shell = target.process.as_ref().unwrap().pid;
    assert_ne!(
        pid, shell,
        "stats should describe the server, not its shell"
    );
    assert!(proc_comm(pid).unwrap().starts_with("python"));
    assert!(target.stats().is_some());
    target.stop().await;
    assert!(wait_gone(pid).await, "the server outlived stop()");
    assert!(wait_gone(shell).await);
}

/// The first start of this command plays a server whose port another program took
/// first: it leaves a detached listener (not its descendant) on `{port}` and exits with
/// "address in use". The second start listens itself, for 60 s.
const TAKEN_THEN_LISTEN: &str = "if [ -e {marker} ]; then exec python3 -c 'import socket, \
     sys, time; s = socket.socket(); s.bind((\"127.0.0.1\", int(sys.argv[1]))); s.listen(16); \
     time.sleep(60)' {port}; else touch {marker}; setsid python3 -c 'import socket, sys, \
     time; s = socket.socket(); s.bind((\"127.0.0.1\", int(sys.argv[1]))); s.listen(16); \
     print(flush=True); time.sleep(5)' {port} | head -c1 >/dev/null; echo 'OSError: \
     [Errno 98] Address already in use' >&2; exit 1; fi";

#[tokio::test]
async fn a_port_taken_by_another_program_is_not_the_server_which_gets_another_port() {
    let scratch = tempfile::tempdir().unwrap();
    let marker = scratch.path().join("taken");
    let command = TAKEN_THEN_LISTEN.replace("{marker}", &marker.display().to_string());
    let spec = TargetSpec::Command(command);
    let target = Target::start(&spec, Duration::from_secs(10)).await.unwrap();
    // The listener found is the second start's own, not the detached one of the first.
    let Listening::At(_, inode) = listening_on(target.addr().port()) else {
        panic!("nothing listens on {}", target.addr());
    };
    assert!(owns_socket(target.pid().unwrap(), inode));
    target.stop().await;
}

/// The server's shell dies first (killed alone, as a crashing wrapper script would): the
/// server, no longer anyone's descendant that a process-tree walk could find, is still in
/// the group, and `stop()` ends it.
#[tokio::test]
async fn a_server_whose_shell_died_is_still_stopped_with_its_group() {
    let command = format!("{PY_LISTEN} & wait; true");
    let spec = TargetSpec::Command(command);
    let target = Target::start(&spec, Duration::from_secs(20)).await.unwrap();
    let server = target.pid().unwrap();
    let shell = target.process.as_ref().unwrap().pid;
    assert_ne!(server, shell, "the server runs under the shell");
    let status = std::process::Command::new("kill")
        .args(["-KILL", &shell.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    target.stop().await;
    assert!(
        wait_gone(server).await,
        "the server outlived its group's stop()"
    );
}

/// The same, when the target is dropped instead of stopped (the harness unwinding).
#[tokio::test]
async fn dropping_a_target_kills_its_whole_group() {
    let command = format!("{PY_LISTEN} & wait; true");
    let target = Target::start(&TargetSpec::Command(command), Duration::from_secs(20))
        .await
        .unwrap();
    let server = target.pid().unwrap();
    assert_ne!(server, target.process.as_ref().unwrap().pid);
    drop(target);
    assert!(
        wait_gone(server).await,
        "the server outlived the dropped target"
    );
}

#[tokio::test]
async fn a_server_that_ignores_its_port_is_named_at_once() {
    // It listens on a port of its own (the kernel's choice here, so that two runs never
    // collide), never on the one it was given.
    let spec = TargetSpec::Command(
        "python3 -c 'import socket, time; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); \
         s.listen(4); time.sleep(60)' {port}"
            .to_owned(),
    );
    let started = Instant::now();
    let err = Target::start(&spec, Duration::from_secs(30))
        .await
        .unwrap_err();
    assert!(matches!(err, TargetError::WrongPort { .. }), "{err}");
    assert!(err.to_string().contains("ignores {port}"), "{err}");
    // Named as soon as it listens, not after the startup bound.
    assert!(started.elapsed() < Duration::from_secs(25));
}
