//! `--list` and `--explain`, for any catalogue: the server suite's and the client suite's;
//! and the [`prologue`] that `run` and `client` share before them.

use std::sync::Arc;

use super::options::{ReportArgs, SuiteArgs};
use super::reports::{self, ReportSpec};
use crate::case::TestCase;
use crate::grading::Grading;
use crate::model::Level;
use crate::profile::Profile;
use crate::runner;

/// What a run needs once the [`prologue`] has passed: the tests (not yet selected), the
/// profile, the `[grading]` table and the reports to write.
pub(super) struct Ready<S> {
    pub tests: Vec<TestCase<S>>,
    pub profile: Arc<Profile>,
    pub grading: Grading,
    pub specs: Vec<ReportSpec>,
}

/// A [`Ready`] taken apart: tests, profile, `[grading]` table, reports.
pub(super) type Parts<S> = (Vec<TestCase<S>>, Arc<Profile>, Grading, Vec<ReportSpec>);

impl<S> Ready<S> {
    /// Its parts, for `let (tests, profile, grading, specs) = …`.
    pub fn parts(self) -> Parts<S> {
        (self.tests, self.profile, self.grading, self.specs)
    }
}

/// The steps `run` and `client` take before their tests, in this order: load the profile
/// `profile`; load and check its `[grading]` table with `grading` (which also checks that
/// the profile's skip rules name tests of `tests`, in each suite's own words and order);
/// resolve the reports `report` asks for; answer `--list` or `--explain` when `suite` asks
/// for one.
///
/// `Ok` hands everything back for the run. `Err(exit code)` ends the command: 0 when it
/// answered `--list` or `--explain`, 2 after saying why on standard error, as
/// `COMMAND: message` (`command` also names the listing command in messages).
pub(super) fn prologue<S>(
    command: &str,
    profile: &str,
    suite: &SuiteArgs,
    report: &ReportArgs,
    tests: Vec<TestCase<S>>,
    grading: impl FnOnce(&Profile, &[TestCase<S>]) -> Result<Grading, String>,
) -> Result<Ready<S>, i32> {
    let fail = |message: String| {
        eprintln!("{command}: {message}");
        2
    };
    let profile = Profile::load(profile).map_err(|e| fail(e.to_string()))?;
    let grading = grading(&profile, &tests).map_err(fail)?;
    let specs =
        reports::resolve(report.format, report.output.as_ref(), &report.report).map_err(fail)?;
    match answer(suite, tests, &profile, command) {
        Ok(Ok(())) => Err(0),
        Ok(Err(e)) => Err(fail(e)),
        Err(tests) => Ok(Ready {
            tests,
            profile: Arc::new(profile),
            grading,
            specs,
        }),
    }
}

/// Answers `--list` or `--explain` when `suite` asks for one: `Ok(Ok(()))` when it printed
/// the answer, `Ok(Err(message))` when `--explain` names no test. Otherwise `Err(tests)`
/// hands `tests` back, for the run. `command` names the command in messages.
fn answer<S>(
    suite: &SuiteArgs,
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
