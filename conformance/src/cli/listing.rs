//! `--list` and `--explain`, for any catalogue: the server suite's and the client suite's.

use crate::case::TestCase;
use crate::model::Level;
use crate::profile::Profile;
use crate::runner;

/// Answers `--list` or `--explain` when `suite` asks for one: `Ok(exit code)`. Otherwise
/// hands `tests` back, for the run. `command` names the command in messages.
pub(super) fn answer<S>(
    suite: &super::options::SuiteArgs,
    tests: Vec<TestCase<S>>,
    profile: &Profile,
    command: &str,
) -> Result<Result<(), String>, Vec<TestCase<S>>> {
    if suite.list {
        list(tests, profile, &suite.filter);
        return Ok(Ok(()));
    }
    match &suite.explain {
        Some(id) => Ok(explain(&tests, id, profile, command)),
        None => Err(tests),
    }
}

/// Prints every test of `tests` that `filters` select, at any level: id, level, requirement,
/// title, and the profile's skip rule if one names it (or why the profile leaves its
/// requirement out of the assignment).
/// A reader that stops reading (`--list | head`) ends the listing quietly.
fn list<S>(tests: Vec<TestCase<S>>, profile: &Profile, filters: &[String]) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for t in runner::select(tests, Level::Strict, filters) {
        let skip = profile
            .skip_rule(t.id, t.requirement)
            .map(|rule| format!("  [skipped by the profile: {}]", rule.reason))
            .or_else(|| {
                let reason = profile.not_in_assignment(t.requirement)?;
                Some(format!("  [skipped: {reason}]"))
            })
            .unwrap_or_default();
        let line = format!(
            "{:<28} {:<6} {:<8} {}{skip}",
            t.id, t.level, t.requirement, t.title
        );
        if writeln!(out, "{line}").is_err() {
            return;
        }
    }
}

/// Prints the test `id`: its requirement in the profile's wording, what it does and the
/// usual causes of failure. `Err` when no test has that id; `command` names the listing
/// command for the message.
fn explain<S>(
    tests: &[TestCase<S>],
    id: &str,
    profile: &Profile,
    command: &str,
) -> Result<(), String> {
    let t = tests
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| format!("no test has the id `{id}` (see `{command} --list`)"))?;
    let text = format!(
        "{} ({}) — {}\n\nRequirement:\n  {}\n\nWhat the test does:\n  {}\n\nUsual causes of \
         failure:\n  {}\n",
        t.id,
        t.level,
        t.title,
        crate::requirements::line_in(t.requirement, &profile.wording()),
        t.steps,
        t.causes
    );
    // A reader that stops reading ends it quietly.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
    Ok(())
}
