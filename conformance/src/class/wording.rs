//! A submission's own wording profile: `conformance.toml` in its folder. Its keys are laid
//! over the teacher's profile, so a student whose server says `[ana] hola` is tested in that
//! wording — but a `skip` rule or a `[grading]` table in it is refused, so that nobody skips
//! tests or awards themselves points. The teacher's `skip` rules always apply.

use std::path::Path;
use std::sync::Arc;

use super::options::Teacher;
use crate::profile::Profile;

/// The file name of a submission's own wording profile.
pub const OWN_PROFILE: &str = "conformance.toml";

/// Keys only the teacher's profile may have.
const TEACHERS_ONLY: &[(&str, &str)] = &[
    (
        "skip",
        "`skip` rules (only the teacher's profile may skip tests)",
    ),
    (
        "grading",
        "a `[grading]` table (only the teacher's profile awards points)",
    ),
];

/// The profile a submission in `dir` is tested with: the teacher's, with the keys of the
/// submission's own `conformance.toml` over it, if it has one.
///
/// # Errors
///
/// Why the submission's profile was refused, in one sentence for its report: it names a key
/// only the teacher may use, it is not valid TOML, or the result is not a valid profile.
pub fn profile_for(teacher: &Teacher, dir: &Path) -> Result<Arc<Profile>, String> {
    let path = dir.join(OWN_PROFILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(teacher.profile.clone()),
        Err(e) => return Err(format!("its {OWN_PROFILE} cannot be read: {e}")),
    };
    let own: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| refused(&e.to_string()))?;
    if let Some((_, what)) = TEACHERS_ONLY.iter().find(|(key, _)| own.contains_key(*key)) {
        return Err(refused(&format!("it has {what}")));
    }
    let mut merged = teacher.table.clone();
    merged.extend(own);
    let name = format!("{} + {OWN_PROFILE}", teacher.name);
    let text = toml::to_string(&merged).map_err(|e| refused(&e.to_string()))?;
    Profile::parse(&name, &text)
        .map(Arc::new)
        .map_err(|e| refused(&e.to_string()))
}

fn refused(why: &str) -> String {
    format!(
        "its own profile {OWN_PROFILE} was refused: {}",
        why.trim().replace('\n', " ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::options::GradeOptions;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        options: GradeOptions,
    }

    fn teacher(dir: &Path) -> Teacher {
        let profile = dir.join("teacher.toml");
        std::fs::write(
            &profile,
            "chat = \"{user}: {text}\"\nskip = [{ id = \"slow\", reason = \"not this term\" }]\n\
             [grading]\ntotal = 10\n",
        )
        .unwrap();
        let cli = Cli::parse_from([
            "x",
            "--server-cmd",
            "x {port}",
            "--profile",
            profile.to_str().unwrap(),
        ]);
        Teacher::load(&cli.options).unwrap()
    }

    #[test]
    fn no_own_profile_is_the_teachers() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path();
        let t = teacher(dir);
        let p = profile_for(&t, dir).unwrap();
        assert!(Arc::ptr_eq(&p, &t.profile));
    }

    #[test]
    fn own_wording_is_laid_over_the_teachers_and_keeps_its_skips() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path();
        let t = teacher(dir);
        std::fs::write(dir.join(OWN_PROFILE), "chat = \"[{user}] {text}\"\n").unwrap();
        let p = profile_for(&t, dir).unwrap();
        assert!(p.name.ends_with("+ conformance.toml"), "{}", p.name);
        assert_eq!(p.skip.len(), 1, "the teacher's skip rules stay");
    }

    #[test]
    fn skip_rules_and_grading_in_a_submission_are_refused() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path();
        let t = teacher(dir);
        for (text, says) in [
            (
                "skip = [{ id = \"leave\", reason = \"mine\" }]\n",
                "`skip` rules",
            ),
            ("[grading]\ntotal = 1000\n", "`[grading]` table"),
            ("chat = \n", "was refused"),
            ("jion = \"x\"\n", "jion"),
        ] {
            std::fs::write(dir.join(OWN_PROFILE), text).unwrap();
            let err = profile_for(&t, dir).unwrap_err();
            assert!(
                err.starts_with("its own profile conformance.toml was refused"),
                "{err}"
            );
            assert!(err.contains(says), "{err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }
}
