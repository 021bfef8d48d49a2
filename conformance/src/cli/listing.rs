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

/// Prints the tests `what` names: one test by its id, every test of a group (`leave`), or
/// every test of a requirement (`LEAVE-1`, in any case): its requirement in the profile's
/// wording, what it does and the usual causes of failure. `Err` when it names no test, with
/// the closest id, group or requirement when one is near; `command` names the listing command
/// for the message.
fn explain<S>(
    tests: &[TestCase<S>],
    what: &str,
    profile: &Profile,
    command: &str,
) -> Result<(), String> {
    let named = explained(tests, what);
    if named.is_empty() {
        let names = tests.iter().flat_map(|t| [t.id, t.group(), t.requirement]);
        let hint = crate::suggest::closest(what, names)
            .map(|near| format!("; did you mean `{near}`?"))
            .unwrap_or_default();
        return Err(format!(
            "no test has the id, group or requirement `{what}`{hint} (see `{command} --list`)"
        ));
    }
    let text = named
        .iter()
        .map(|t| {
            format!(
                "{} ({}) — {}\n\nRequirement:\n  {}\n\nWhat the test does:\n  {}\n\nUsual \
                 causes of failure:\n  {}\n",
                t.id,
                t.level,
                t.title,
                crate::requirements::line_in(t.requirement, &profile.wording()),
                t.steps,
                t.causes
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    // A reader that stops reading ends it quietly.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
    Ok(())
}

/// The tests `what` names: the test with that id; else the tests of that group, or of that
/// requirement (case aside), in catalogue order.
fn explained<'t, S>(tests: &'t [TestCase<S>], what: &str) -> Vec<&'t TestCase<S>> {
    if let Some(t) = tests.iter().find(|t| t.id == what) {
        return vec![t];
    }
    tests
        .iter()
        .filter(|t| t.group() == what || t.requirement.eq_ignore_ascii_case(what))
        .collect()
}
