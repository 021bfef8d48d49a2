//! A submission: one folder of the class folder, named after it; and `{dir}` in the teacher's
//! commands, replaced by that folder, quoted for the shell.

use std::path::{Path, PathBuf};

pub use crate::shell::quote as shell_quote;

/// One student's submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The folder's name: the row of the class report, and its report's file name.
    pub name: String,
    /// The folder.
    pub dir: PathBuf,
}

impl Submission {
    /// The submission in folder `dir`.
    ///
    /// # Errors
    ///
    /// `dir` is not a folder, or its name is not UTF-8.
    pub fn at(dir: &Path) -> Result<Submission, String> {
        if !dir.is_dir() {
            return Err(format!("{}: not a folder", dir.display()));
        }
        let dir = dir
            .canonicalize()
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("{}: the folder's name is not UTF-8", dir.display()))?
            .to_owned();
        Ok(Submission { name, dir })
    }

    /// `command` with every `{dir}` replaced by this submission's folder, quoted for the
    /// shell (so a folder named `ana maría` or `o'neil` is one word).
    pub fn fill(&self, command: &str) -> String {
        command.replace("{dir}", &shell_quote(&self.dir.to_string_lossy()))
    }

    /// Where this submission's report goes in `out_dir`.
    pub fn report_path(&self, out_dir: &Path) -> PathBuf {
        out_dir.join(format!("{}.json", self.name))
    }
}

/// Every submission of the class folder `dir`: its sub-folders, by name, except hidden ones
/// (`.git`).
///
/// # Errors
///
/// `dir` cannot be read, or holds no submission.
pub fn discover(dir: &Path) -> Result<Vec<Submission>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if !hidden && entry.path().is_dir() {
            found.push(Submission::at(&entry.path())?);
        }
    }
    if found.is_empty() {
        return Err(format!(
            "{}: no submission (one folder per submission)",
            dir.display()
        ));
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_is_one_shell_word_whatever_its_name() {
        let s = Submission {
            name: "o'neil x".into(),
            dir: PathBuf::from("/c/o'neil x"),
        };
        assert_eq!(
            s.fill("python3 {dir}/servidor.py --port {port}"),
            r"python3 '/c/o'\''neil x'/servidor.py --port {port}"
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(s.fill("printf %s {dir}"))
            .output()
            .unwrap();
        assert_eq!(out.stdout, b"/c/o'neil x");
    }

    #[test]
    fn submissions_are_the_visible_folders_by_name() {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path().to_path_buf();
        for d in ["beto", "ana", ".git"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("notes.txt"), "x").unwrap();
        let names: Vec<String> = discover(&root)
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["ana", "beto"]);
        scratch.close().unwrap();
        assert!(discover(&root).unwrap_err().contains("cannot read"));
    }
}
