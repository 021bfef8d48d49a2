//! A submission's build (`--build-cmd`): a shell command run in its own process group, with
//! a bound on its time; its output goes to a log file beside the report, and the last lines
//! of it say why a build failed.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use super::group::{kill_group, own_group};

/// Lines of the build's output quoted when it fails.
const TAIL_LINES: usize = 5;
/// The end of the log read for those lines.
const TAIL_BYTES: u64 = 4096;

/// Runs `command` (`{dir}` already filled in) with `sh -c`, at most `bound`, its output
/// (stdout and stderr) written to `log`.
///
/// # Errors
///
/// Why the build failed, in one line for the submission's report: its exit status or the
/// bound, and the last lines of its output.
pub async fn build(command: &str, bound: Duration, log: &Path) -> Result<(), String> {
    let file = std::fs::File::create(log)
        .map_err(|e| format!("cannot write the build log {}: {e}", log.display()))?;
    let err_file = file
        .try_clone()
        .map_err(|e| format!("cannot write the build log {}: {e}", log.display()))?;
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(err_file))
        .kill_on_drop(true);
    let mut child = own_group(&mut sh)
        .spawn()
        .map_err(|e| format!("the build `{command}` could not start: {e}"))?;
    let status = match tokio::time::timeout(bound, child.wait()).await {
        Ok(Ok(status)) if status.success() => return Ok(()),
        Ok(Ok(status)) => format!("({status})"),
        Ok(Err(e)) => format!("({e})"),
        Err(_) => {
            kill_group(&mut child);
            let _ = child.wait().await;
            format!("(it took over {}s)", bound.as_secs())
        }
    };
    Err(format!("the build failed {status}{}", tail(log)))
}

/// `; last lines: "a" | "b"` from the end of the log, or nothing.
fn tail(log: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut file) = std::fs::File::open(log) {
        let len = file.metadata().map_or(0, |m| m.len());
        let _ = file.seek(SeekFrom::Start(len.saturating_sub(TAIL_BYTES)));
        let mut bytes = Vec::new();
        let _ = file.read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("{:?}", l.trim_end()))
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    format!(
        "; last lines: {}",
        lines[lines.len().saturating_sub(TAIL_LINES)..].join(" | ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_build_passes_or_says_why_not() {
        let logs = tempfile::tempdir().unwrap();
        let ok = logs.path().join("ok.log");
        assert_eq!(
            build("echo fine", Duration::from_secs(30), &ok).await,
            Ok(())
        );
        assert_eq!(std::fs::read_to_string(&ok).unwrap(), "fine\n");
        let bad = logs.path().join("bad.log");
        let err = build(
            "echo one; echo 'Foo.java:3: error' >&2; exit 3",
            Duration::from_secs(30),
            &bad,
        )
        .await
        .unwrap_err();
        assert!(
            err.starts_with("the build failed (exit status: 3)"),
            "{err}"
        );
        assert!(err.contains("\"Foo.java:3: error\""), "{err}");
    }

    #[tokio::test]
    async fn a_build_that_hangs_is_ended_at_its_bound() {
        let logs = tempfile::tempdir().unwrap();
        let hang = logs.path().join("hang.log");
        let started = std::time::Instant::now();
        let err = build("sleep 60 & sleep 60", Duration::from_secs(1), &hang)
            .await
            .unwrap_err();
        assert!(err.contains("took over 1s"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(30));
    }
}
