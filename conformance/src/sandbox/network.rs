//! The harness in a private network namespace: [`enter_private_network`] re-executes this
//! program, with the same arguments, under `bwrap --unshare-net` (loopback only, up), so that
//! the servers it starts and the harness share a loopback nothing else reaches. It is a pid
//! namespace of its own too: when the harness is killed (a grading over its bound), the
//! kernel kills everything it started, however detached. The re-executed program knows it
//! is inside by [`INSIDE`] in its environment, which holds the grading's id
//! ([`grading_id`], see [`super::identity`]).
//!
//! [`probe`] checks, before anything runs, that the whole sandbox (both layers, the user
//! switch and the limits) can be set up here, by running `true` in it.

use std::ffi::OsString;
use std::process::{Command, Stdio};

use super::identity::{INSIDE, grading_id, inside};
use super::jail::Jail;

/// Checks that the sandbox can be set up: root, and `true` run through both layers.
///
/// # Errors
///
/// Why not, in words for [`super::unavailable`].
pub fn probe() -> Result<(), String> {
    if !cfg!(target_os = "linux") {
        return Err("it is made of Linux namespaces".into());
    }
    if !is_root() {
        return Err("it runs the servers as a user of their own, which only root can".into());
    }
    Command::new("bwrap")
        .arg("--version")
        .output()
        .map_err(|e| format!("`bwrap` could not be run ({e})"))?;
    let jail = Jail::new(&[])?;
    let mut args = outer_args();
    args.extend(["sh".into(), "-c".into(), jail.launch("true").into()]);
    let output = Command::new("bwrap")
        .args(&args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("`bwrap` could not be run ({e})"))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(format!(
            "a trial run failed ({}): {}",
            output.status,
            stderr.trim()
        ))
    }
}

/// Re-executes this program under `bwrap --unshare-net`, with its arguments, unless it is
/// already there: returns `Ok` only then. The process keeps its id (bwrap replaces it), so
/// whoever waits for it or ends its process group still does.
///
/// # Errors
///
/// The sandbox cannot be set up ([`probe`]), or the exec failed.
pub fn enter_private_network() -> Result<(), String> {
    if inside() {
        return Ok(());
    }
    probe()?;
    let exe = std::env::current_exe()
        .map_err(|e| format!("this program's own path cannot be found ({e})"))?;
    let mut args = outer_args();
    args.push(exe.into_os_string());
    args.extend(std::env::args_os().skip(1));
    let error = exec(Command::new("bwrap").args(args));
    Err(format!("`bwrap` could not be executed ({error})"))
}

/// bwrap's options for the harness: the same files and devices, a private network, a pid
/// namespace of its own (and its `/proc`), its death with its parent's, and [`INSIDE`] set
/// to the [`grading_id`]; then the command.
fn outer_args() -> Vec<OsString> {
    let mut args: Vec<OsString> = [
        "--unshare-net",
        "--unshare-pid",
        "--die-with-parent",
        "--dev-bind",
        "/",
        "/",
        "--proc",
        "/proc",
        "--setenv",
        INSIDE,
    ]
    .map(OsString::from)
    .to_vec();
    args.extend([grading_id().to_string().into(), "--".into()]);
    args
}

#[cfg(unix)]
fn is_root() -> bool {
    // SAFETY: geteuid(2) has no preconditions and touches no memory.
    unsafe { libc::geteuid() == 0 }
}

#[cfg(not(unix))]
fn is_root() -> bool {
    false
}

#[cfg(unix)]
fn exec(command: &mut Command) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    command.exec()
}

#[cfg(not(unix))]
fn exec(_: &mut Command) -> std::io::Error {
    std::io::Error::other("not on this system")
}
