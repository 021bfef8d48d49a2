//! A jail for one grading's commands: [`Jail::launch`] turns a shell command into one that
//! runs it under bubblewrap (mount, pid and IPC namespaces of its own), as the grading's
//! own unprivileged user ([`Jail::uid`], via `setpriv`), under the limits of
//! [`super::limits`] (via `prlimit`).
//!
//! The jail's scratch folder (`TMP/conformance-jail-ID`, ID the grading's, owned by that user, removed when
//! the [`Jail`] is dropped) holds `home/`, the commands' `HOME` and `TMPDIR`, and
//! `folder/`, a copy of the submission's folder bound at the folder's own path: the
//! submission writes into its copy, never into the teacher's. Where a folder above it is
//! closed to other users (a `0700` home or temporary folder), the jail sees an empty one in
//! its place, holding only the submission: the jail's user could not reach it otherwise.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::identity::{INSIDE, UID_BASE, grading_id};
use super::limits::prlimit_args;
use crate::shell::quote;
use crate::target::TargetSpec;

/// The size of the jail's `/dev/shm` (64 MiB), for bwrap.
const SHM_BYTES: &str = "67108864";

/// One grading's jail: its user, its scratch folder, what it hides and the folder it shows.
#[derive(Debug)]
pub struct Jail {
    uid: u32,
    scratch: PathBuf,
    hidden: Vec<PathBuf>,
    folder: Option<PathBuf>,
}

impl Jail {
    /// A jail hiding `hidden` (folders and files of the teacher's that exist) from its
    /// commands, with its scratch folder made.
    ///
    /// # Errors
    ///
    /// The scratch folder cannot be made or given to the jail's user.
    pub fn new(hidden: &[&Path]) -> Result<Jail, String> {
        let id = grading_id();
        let uid = UID_BASE + id;
        let scratch = scratch_of(id);
        let jail = Jail {
            uid,
            hidden: hidden
                .iter()
                .filter_map(|p| p.canonicalize().ok())
                .collect(),
            folder: None,
            scratch,
        };
        let _ = std::fs::remove_dir_all(&jail.scratch);
        std::fs::create_dir_all(jail.scratch.join("home"))
            .map_err(|e| format!("cannot make {}: {e}", jail.scratch.display()))?;
        jail.give(&jail.scratch)?;
        Ok(jail)
    }

    /// The same jail, showing `folder` (a submission's) as a private writable copy at its
    /// own path.
    ///
    /// # Errors
    ///
    /// The copy cannot be made.
    pub fn with_folder(mut self, folder: &Path) -> Result<Jail, String> {
        let copy = self.scratch.join("folder");
        // -a keeps links as links: one that points out of the folder is followed, if at all,
        // inside the jail, as its user.
        run(Command::new("cp")
            .arg("-a")
            .arg("--")
            .arg(folder)
            .arg(&copy))?;
        self.give(&copy)?;
        self.folder = Some(folder.to_owned());
        Ok(self)
    }

    /// The user (and group) id the jailed commands run as: unique to this grading.
    pub fn uid(&self) -> u32 {
        self.uid
    }

    /// The server started by `command` (a shell command with `{port}`), in the jail.
    pub fn confine(&self, command: String) -> TargetSpec {
        TargetSpec::Sandboxed {
            launch: self.launch(&command),
            command,
        }
    }

    /// `command` (a shell command) as a shell command that runs it in the jail.
    pub fn launch(&self, command: &str) -> String {
        let scratch = self.scratch.to_string_lossy().into_owned();
        let home = self.scratch.join("home").to_string_lossy().into_owned();
        let mut words: Vec<String> = [
            "bwrap",
            "--die-with-parent",
            "--unshare-pid",
            "--unshare-ipc",
            "--ro-bind",
            "/",
            "/",
            "--dev",
            "/dev",
            // POSIX shared memory and semaphores (Python's multiprocessing), bounded.
            "--perms",
            "1777",
            "--size",
            SHM_BYTES,
            "--tmpfs",
            "/dev/shm",
            "--proc",
            "/proc",
        ]
        .map(str::to_owned)
        .to_vec();
        for path in &self.hidden {
            let path = path.to_string_lossy().into_owned();
            if Path::new(&path).is_dir() {
                words.extend(["--tmpfs".to_owned(), path]);
            } else {
                words.extend(["--ro-bind".to_owned(), "/dev/null".to_owned(), path]);
            }
        }
        if let Some(folder) = &self.folder {
            words.extend(open_way(folder));
        }
        words.extend(["--bind".to_owned(), scratch.clone(), scratch.clone()]);
        if let Some(folder) = &self.folder {
            let copy = self.scratch.join("folder").to_string_lossy().into_owned();
            words.extend(["--bind".to_owned(), copy, folder.to_string_lossy().into()]);
        }
        let (uid, id) = (self.uid.to_string(), self.uid.to_string());
        words.extend(
            [
                "--setenv",
                "HOME",
                &home,
                "--setenv",
                "TMPDIR",
                &home,
                "--unsetenv",
                INSIDE,
                "--",
                "setpriv",
                "--reuid",
                &uid,
                "--regid",
                &id,
                "--clear-groups",
                "--no-new-privs",
                "--inh-caps=-all",
                "--bounding-set=-all",
                "--",
            ]
            .map(str::to_owned),
        );
        words.extend(prlimit_args());
        words.extend(["--", "sh", "-c", command].map(str::to_owned));
        words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
    }

    /// `path` and everything in it (links themselves, not what they point to) given to the
    /// jail's user, for it alone.
    fn give(&self, path: &Path) -> Result<(), String> {
        let owner = format!("{0}:{0}", self.uid);
        run(Command::new("chown")
            .args(["-R", "-h", &owner, "--"])
            .arg(path))?;
        run(Command::new("chmod").args(["700", "--"]).arg(path))
    }
}

impl Drop for Jail {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// The scratch folder of grading `id`'s jail.
fn scratch_of(id: u32) -> PathBuf {
    std::env::temp_dir().join(format!("conformance-jail-{id}"))
}

/// Removes the scratch folder of grading `id`'s jail, if any: for a grading that was killed
/// before it could (`id`: the process id of the `grade` that was killed).
pub fn remove_scratch_of(id: u32) {
    let _ = std::fs::remove_dir_all(scratch_of(id));
}

/// Runs `command` to its end.
///
/// # Errors
///
/// It could not start or failed: the command and its error output.
fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// bwrap's arguments that let the jail's user reach `folder` when a folder above it is
/// closed to others: an empty, open folder in the place of the outermost closed one, and
/// open folders down to `folder`'s parent, where the submission alone is bound (bwrap would
/// make them `0700`).
fn open_way(folder: &Path) -> Vec<String> {
    let Some(closed) = closed_ancestor(folder) else {
        return Vec::new();
    };
    let Ok(folder) = folder.canonicalize() else {
        return Vec::new();
    };
    let mut way: Vec<&Path> = folder
        .ancestors()
        .skip(1)
        .take_while(|dir| *dir != closed)
        .collect();
    way.reverse();
    let mut words = vec![
        "--perms".to_owned(),
        "0755".to_owned(),
        "--tmpfs".to_owned(),
        closed.to_string_lossy().into_owned(),
    ];
    for dir in way {
        words.extend(["--perms".to_owned(), "0755".to_owned(), "--dir".to_owned()]);
        words.push(dir.to_string_lossy().into_owned());
    }
    words
}

/// The outermost folder above `folder` that other users cannot pass through (no `x` for
/// others: a `0700` home or temporary folder), if any.
#[cfg(unix)]
fn closed_ancestor(folder: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let folder = folder.canonicalize().ok()?;
    let above: Vec<&Path> = folder.ancestors().skip(1).collect();
    above
        .into_iter()
        .rev()
        .find(|dir| std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o001 == 0))
        .map(Path::to_path_buf)
}

/// No such folders to mend where there is no jail.
#[cfg(not(unix))]
fn closed_ancestor(_: &Path) -> Option<PathBuf> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::{closed_ancestor, open_way};

    #[test]
    fn the_outermost_folder_closed_to_others_is_found() {
        let top = tempfile::tempdir().expect("a temporary folder");
        let mode = |p: &std::path::Path, mode| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
        };
        let outer = top.path().join("outer");
        let inner = outer.join("inner");
        let submission = inner.join("ana");
        std::fs::create_dir_all(&submission).unwrap();
        mode(top.path(), 0o755);
        // What is closed above the temporary folder already (usually nothing).
        let above = closed_ancestor(&outer);
        mode(&outer, 0o700);
        mode(&inner, 0o700);
        // The outermost is mended: the inner one is inside the empty folder put there.
        let outer = outer.canonicalize().unwrap();
        assert_eq!(
            closed_ancestor(&submission),
            above.clone().or(Some(outer.clone()))
        );
        if above.is_none() {
            let inner = inner.canonicalize().unwrap().display().to_string();
            let outer = outer.display().to_string();
            assert_eq!(
                open_way(&submission),
                [
                    "--perms", "0755", "--tmpfs", &outer, "--perms", "0755", "--dir", &inner
                ]
            );
        }
        mode(&outer, 0o755);
        mode(&inner, 0o755);
        assert_eq!(closed_ancestor(&submission), above);
    }
}
