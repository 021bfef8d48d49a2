//! The workspace's own reference server as a target: the reference server library run in a
//! process of its own, started on a free port, its address read from the `listening on
//! HOST:PORT` line it prints first.
//!
//! The `conformance` binary runs it by re-executing itself in the hidden `serve-reference`
//! mode ([`SERVE_REFERENCE`]), so an installed `conformance` is the whole tool. A separate
//! process, not a thread of the harness, because the cleanup checks measure the server's
//! own threads and descriptors (CLEAN-4), and `--isolate` restarts it. A program that
//! embeds the harness without that mode (a test binary, `chat-bench`) uses the
//! `conformance` binary built beside it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;

use super::process::{DRAIN_BOUND, Process, drain};
use super::{Target, TargetError};

/// The hidden command-line mode of the `conformance` binary that runs the reference server.
pub const SERVE_REFERENCE: &str = "serve-reference";
/// The binary that has that mode.
const CONFORMANCE_BINARY: &str = "conformance";

/// Whether this executable has the [`SERVE_REFERENCE`] mode; set by
/// [`crate::cli::main`], the command line that parses it.
static THIS_EXECUTABLE_SERVES: AtomicBool = AtomicBool::new(false);

/// Says that this executable runs the reference server when given [`SERVE_REFERENCE`].
pub fn this_executable_serves_the_reference() {
    THIS_EXECUTABLE_SERVES.store(true, Ordering::Relaxed);
}

/// Reference target: `<conformance> serve-reference --port 0`, its first stdout line.
pub(super) async fn start_reference(startup: Duration) -> Result<Target, TargetError> {
    let exe = std::env::current_exe().unwrap_or_default();
    let binary = if THIS_EXECUTABLE_SERVES.load(Ordering::Relaxed) {
        exe
    } else {
        find_conformance(&exe)?
    };
    let mut cmd = Command::new(&binary);
    cmd.args([SERVE_REFERENCE, "--port", "0"]);
    let label = format!("{} {SERVE_REFERENCE}", binary.display());
    let mut process = Process::spawn(&label, cmd, false)?;
    let Some(stdout) = process.child.stdout().take() else {
        return Err(TargetError::ReferenceNoAddress {
            reason: "its stdout is not a pipe".to_owned(),
        });
    };
    let mut stdout = BufReader::new(stdout);
    let mut first = Vec::new();
    let read = tokio::time::timeout(
        startup,
        (&mut stdout).take(512).read_until(b'\n', &mut first),
    )
    .await;
    let no_address = |reason: String| TargetError::ReferenceNoAddress { reason };
    match read {
        Err(_) => {
            return Err(no_address(format!(
                "nothing on stdout within {:.1}s",
                startup.as_secs_f64()
            )));
        }
        Ok(Err(e)) => return Err(no_address(e.to_string())),
        Ok(Ok(0)) => {
            // EOF: it exited, or is about to.
            let waited = tokio::time::timeout(DRAIN_BOUND, process.child.wait()).await;
            process.settle_output().await;
            return Err(TargetError::Exited {
                command: process.command.clone(),
                status: match waited {
                    Ok(Ok(status)) => status.to_string(),
                    _ => "it closed its stdout".to_owned(),
                },
                stderr: process.stderr_tail(),
            });
        }
        Ok(Ok(_)) => {}
    }
    let line = String::from_utf8_lossy(&first);
    let addr = chat_protocol::listening::parse(&line)
        .ok_or_else(|| no_address(format!("its first line was {:?}", line.trim_end())))?;
    process
        .drains
        .push(drain(stdout, Arc::clone(&process.stdout)));
    Ok(Target {
        addr,
        label: format!("reference-server ({addr})"),
        process: Some(process),
        seen_listening: true,
        skipped: Vec::new(),
    })
}

/// The `conformance` binary next to `exe`, or in its parent directory (test binaries live
/// in `target/<profile>/deps/`).
pub(super) fn find_conformance(exe: &Path) -> Result<PathBuf, TargetError> {
    let name = format!("{CONFORMANCE_BINARY}{}", std::env::consts::EXE_SUFFIX);
    let dir = exe.parent();
    let searched: Vec<PathBuf> = [dir, dir.and_then(Path::parent)]
        .into_iter()
        .flatten()
        .map(|d| d.join(&name))
        .collect();
    match searched.iter().find(|p| p.is_file()) {
        Some(found) => Ok(found.clone()),
        None => Err(TargetError::ReferenceNotFound { searched }),
    }
}
