//! `--list` and `--explain`, for any catalogue: the server suite's and the client suite's.

use crate::case::TestCase;
use crate::model::Level;
use crate::profile::Profile;
use crate::runner;

/// Prints every test of `tests` that `filters` select, at any level: id, level, requirement,
/// title, and the profile's skip rule if one names it (or why the profile leaves its
/// requirement out of the assignment).
pub(super) fn list<S>(tests: Vec<TestCase<S>>, profile: &Profile, filters: &[String]) {
    for t in runner::select(tests, Level::Strict, filters) {
        let skip = profile
            .skip_rule(t.id, t.requirement)
            .map(|rule| format!("  [skipped by the profile: {}]", rule.reason))
            .or_else(|| {
                let reason = profile.not_in_assignment(t.requirement)?;
                Some(format!("  [skipped: {reason}]"))
            })
            .unwrap_or_default();
        println!(
            "{:<28} {:<6} {:<8} {}{skip}",
            t.id, t.level, t.requirement, t.title
        );
    }
}

/// Prints the test `id`: its requirement in the profile's wording, what it does and the
/// usual causes of failure. `Err` when no test has that id; `command` names the listing
/// command for the message.
pub(super) fn explain<S>(
    tests: &[TestCase<S>],
    id: &str,
    profile: &Profile,
    command: &str,
) -> Result<(), String> {
    let t = tests
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| format!("no test has the id `{id}` (see `{command} --list`)"))?;
    println!("{} ({}) — {}", t.id, t.level, t.title);
    println!(
        "\nRequirement:\n  {}",
        crate::requirements::line_in(t.requirement, &profile.wording())
    );
    println!("\nWhat the test does:\n  {}", t.steps);
    println!("\nUsual causes of failure:\n  {}", t.causes);
    Ok(())
}
