//! A spawned server process: started with its output drained into bounded tails, watched
//! for its exit, and stopped politely (SIGTERM, a grace period, then SIGKILL), its children
//! included. A `Process` never outlives its owner: dropping it kills the server.
//!
//! The server starts as the leader of a process group of its own on Unix, in a Job object
//! on Windows (the `process-wrap` crate): whatever it forks or a compound shell command
//! starts is in that group, and stopping or killing the group ends them all, without
//! walking the process tree. Such a group no longer gets the terminal's Ctrl-C, so
//! [`super::interrupt`] kills the live groups when the harness itself is interrupted.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use process_wrap::tokio::{ChildWrapper, CommandWrap, KillOnDrop};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio::task::JoinHandle;

use super::TargetError;
use super::interrupt;
use super::output::OutputLog;
use crate::procfs::{proc_children, proc_comm};
use crate::sync::lock;

/// How long a server has to exit after SIGTERM before it gets SIGKILL.
pub(super) const STOP_GRACE: Duration = Duration::from_secs(3);
/// How long to wait for the output pipes to reach EOF once a server has exited.
pub(super) const DRAIN_BOUND: Duration = Duration::from_millis(500);
/// Lines of stdout and of stderr kept for crash reports.
pub(super) const TAIL_LINES: usize = 50;
/// Longest line kept, in bytes; the rest of a longer line is dropped.
pub(super) const TAIL_LINE_BYTES: usize = 1000;

/// A spawned server and the tails of its output.
#[derive(Debug)]
pub(super) struct Process {
    /// The command as the user gave it (with `{port}`), for messages.
    pub(super) command: String,
    /// The group's leader (Unix) or the Job object's first process (Windows); [`Drop`]
    /// kills the whole group.
    pub(super) child: Box<dyn ChildWrapper>,
    /// The spawned process id (the server itself unless the command was compound).
    pub(super) pid: u32,
    pub(super) stdout: Arc<Mutex<Tail>>,
    pub(super) stderr: Arc<Mutex<Tail>>,
    /// Both streams' lines in arrival order, for what the server printed during a test.
    pub(super) output: Arc<Mutex<OutputLog>>,
    pub(super) drains: Vec<JoinHandle<()>>,
}

impl Process {
    /// Spawns `program args…` with its output drained into tails (stdout is left undrained
    /// when `drain_stdout` is false, for the caller to read first).
    pub(super) fn spawn(
        command: &str,
        mut cmd: Command,
        drain_stdout: bool,
    ) -> Result<Process, TargetError> {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut wrapped = CommandWrap::from(cmd);
        wrapped.wrap(KillOnDrop);
        #[cfg(unix)]
        wrapped.wrap(process_wrap::tokio::ProcessGroup::leader());
        #[cfg(windows)]
        wrapped.wrap(process_wrap::tokio::JobObject);
        let mut child = interrupt::spawn_group(|| wrapped.spawn(), |child| child.id().unwrap_or(0))
            .map_err(|e| TargetError::Spawn {
                command: command.to_owned(),
                reason: e.to_string(),
            })?;
        let pid = child.id().unwrap_or(0);
        let output = Arc::new(Mutex::new(OutputLog::default()));
        let stdout = Arc::new(Mutex::new(Tail::logged(Arc::clone(&output))));
        let stderr = Arc::new(Mutex::new(Tail::logged(Arc::clone(&output))));
        let mut drains = Vec::new();
        if let Some(pipe) = child.stderr().take() {
            drains.push(drain(pipe, Arc::clone(&stderr)));
        }
        if drain_stdout && let Some(pipe) = child.stdout().take() {
            drains.push(drain(pipe, Arc::clone(&stdout)));
        }
        Ok(Process {
            command: command.to_owned(),
            child,
            pid,
            stdout,
            stderr,
            output,
            drains,
        })
    }

    /// The exit status, once the process has exited.
    pub(super) fn exit_status(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(format!("status unknown: {e}")),
        }
    }

    /// The last lines of stderr so far.
    pub(super) fn stderr_tail(&self) -> Vec<String> {
        lock(&self.stderr).lines()
    }

    /// The last `n` lines of stdout and stderr so far, in the order they were read.
    pub(super) fn output_tail(&self, n: usize) -> Vec<String> {
        lock(&self.output).last(n)
    }

    /// Waits, briefly, for the output pipes to reach EOF so the tails hold everything the
    /// process wrote before it exited.
    pub(super) async fn settle_output(&mut self) {
        let drains = std::mem::take(&mut self.drains);
        let _ = tokio::time::timeout(DRAIN_BOUND, async {
            for drain in drains {
                let _ = drain.await;
            }
        })
        .await;
    }

    /// The spawned process (the shell, for a compound command).
    pub(super) fn pid(&self) -> u32 {
        self.pid
    }

    /// The process whose stats describe the server: the spawned one, or for a compound
    /// command the single process its shell runs (through the sandbox's launchers too).
    pub(super) fn server_pid(&self) -> u32 {
        let mut pid = self.pid;
        for _ in 0..8 {
            let is_shell = proc_comm(pid).is_some_and(|c| {
                matches!(c.as_str(), "sh" | "dash" | "bash" | "cmd.exe" | "bwrap")
            });
            if !is_shell {
                break;
            }
            match proc_children(pid).as_slice() {
                [only] => pid = *only,
                _ => break,
            }
        }
        pid
    }

    /// SIGTERM to the whole group, a bounded wait for the server, then SIGKILL to the
    /// group, which also ends what a compound command left behind. (Windows has no polite
    /// request for a console program: the Job object is terminated at once.)
    pub(super) async fn stop(mut self) {
        if self.exit_status().is_none() {
            terminate(self.child.as_mut());
            if tokio::time::timeout(STOP_GRACE, self.child.wait())
                .await
                .is_err()
            {
                let _ = self.child.start_kill();
                let _ = tokio::time::timeout(STOP_GRACE, self.child.wait()).await;
            }
        }
        // A compound command's other processes may outlive the one that was waited for.
        let _ = self.child.start_kill();
        interrupt::unregister(self.pid);
        self.settle_output().await;
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // The whole group, even when its leader has exited: others may live on.
        let _ = self.child.start_kill();
        interrupt::unregister(self.pid);
        for drain in &self.drains {
            drain.abort();
        }
    }
}

/// The last lines a process wrote to one of its pipes.
#[derive(Debug, Default)]
pub(super) struct Tail {
    lines: VecDeque<String>,
    /// The line being written, up to [`TAIL_LINE_BYTES`].
    partial: Vec<u8>,
    /// Where complete lines are logged too, in arrival order with the other stream's.
    log: Option<Arc<Mutex<OutputLog>>>,
}

impl Tail {
    /// A tail whose complete lines also go to `log`.
    pub(super) fn logged(log: Arc<Mutex<OutputLog>>) -> Tail {
        Tail {
            log: Some(log),
            ..Tail::default()
        }
    }

    pub(super) fn push_bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b == b'\n' {
                self.end_line();
            } else if self.partial.len() < TAIL_LINE_BYTES {
                self.partial.push(b);
            }
        }
    }

    pub(super) fn end_line(&mut self) {
        let line = String::from_utf8_lossy(&self.partial);
        let line = line.strip_suffix('\r').unwrap_or(&line).to_owned();
        self.partial.clear();
        if let Some(log) = &self.log {
            lock(log).push(line.clone());
        }
        if self.lines.len() == TAIL_LINES {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
    }

    /// The complete lines and the partial one, if any.
    pub(super) fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.lines.iter().cloned().collect();
        if !self.partial.is_empty() {
            lines.push(String::from_utf8_lossy(&self.partial).into_owned());
        }
        lines
    }
}

/// Reads `pipe` to EOF in the background, keeping its last lines: the child never blocks on
/// a full pipe, and the memory kept is bounded.
pub(super) fn drain(
    mut pipe: impl AsyncRead + Unpin + Send + 'static,
    tail: Arc<Mutex<Tail>>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut buf = vec![0u8; 8192];
        loop {
            match pipe.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => lock(&tail).push_bytes(&buf[..n]),
            }
        }
    })
}

#[cfg(not(windows))]
/// `exec <command>` for a simple command, so that the shell becomes the server; a compound
/// command (`;`, `|`, `&&`, a newline, a subshell) as it is.
pub(super) fn shell_line(command: &str) -> String {
    let trimmed = command.trim_start();
    let compound = command.contains([';', '|', '\n'])
        || command.contains("&&")
        || trimmed.starts_with(['(', '{']);
    if compound {
        command.to_owned()
    } else {
        format!("exec {command}")
    }
}

/// Asks the whole group to end: SIGTERM on Unix; on Windows, which has no such request for
/// a console program, the Job object is terminated.
fn terminate(child: &mut dyn ChildWrapper) {
    #[cfg(unix)]
    let _ = child.signal(libc::SIGTERM);
    #[cfg(windows)]
    let _ = child.start_kill();
}

/// The shell command that runs `command`: `sh -c` (with [`shell_line`]'s `exec`) on Unix,
/// `cmd /C` on Windows (the command passed as written, without Rust's argument quoting).
pub(super) fn shell_command(command: &str) -> Command {
    #[cfg(windows)]
    let mut cmd = {
        let mut cmd = Command::new("cmd");
        cmd.arg("/C").raw_arg(command);
        cmd
    };
    #[cfg(not(windows))]
    let mut cmd = {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(shell_line(command));
        cmd
    };
    // Python buffers a pipe's output until exit: a server that prints where it listens, or
    // the traceback of a handler thread, would say it only after the harness needed it.
    cmd.env("PYTHONUNBUFFERED", "1");
    cmd
}
