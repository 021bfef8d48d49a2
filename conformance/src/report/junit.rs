//! The JUnit XML report, for CI: one `<testsuites name="conformance">` holding one
//! `<testsuite>` per group (the part of the test id before the dot), in run order.
//!
//! Each test is a `<testcase>` with `name` = the test id and `classname` = the group. A failure
//! carries `message` = the first line of its explanation, `type` = the requirement id, and as
//! text the whole explanation, the transcript and the seed to reproduce it. A failure while
//! setting the test up is an `<error>` instead (JUnit's word for "the test could not run as
//! written"), with `type` = the requirement its setup step relied on and `message` = `could not
//! set up the test: <step>`; a target that is not a chat server at all is an `<error>` of
//! `type` `target` whose `message` is that verdict. A skip carries its reason. Every suite has the run's `target`, `profile`, `level` and `seed` as properties.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::{detail, evidence, failure_headline, groups};
use crate::model::{Mark, Phase, RunReport, TestResult};

/// How many transcript lines a failure carries before eliding the middle (CI logs are read
/// less often than terminals, so more than the human report).
const TRANSCRIPT_CAP: usize = 400;

/// Renders the JUnit report, ending with a newline.
pub(super) fn render(report: &RunReport) -> anyhow::Result<String> {
    let mut junit = Report::new("conformance");
    junit.set_time(report.duration);
    for (group, results) in groups(report) {
        let mut suite = TestSuite::new(group);
        suite.add_properties([
            Property::new("target", &report.target),
            Property::new("profile", &report.profile),
            Property::new("level", report.level.to_string()),
            Property::new("seed", report.seed.to_string()),
        ]);
        suite.set_time(results.iter().map(|r| r.duration).sum::<Duration>());
        suite.add_test_cases(results.iter().map(|r| test_case(r, group, report)));
        junit.add_test_suite(suite);
    }
    let mut out = junit.to_string()?;
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// One `<testcase>`.
fn test_case(result: &TestResult, group: &str, report: &RunReport) -> TestCase {
    let status = match result.status.mark() {
        Mark::Pass => TestCaseStatus::success(),
        Mark::Fail => {
            let phase = result.status.failure().map(|f| &f.phase);
            let mut status = match phase {
                Some(Phase::Setup { step, requirement }) => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                    status
                        .set_message(format!("could not set up the test: {step}"))
                        .set_type(requirement);
                    status
                }
                Some(Phase::Target { verdict }) => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                    status.set_message(verdict.as_str()).set_type("target");
                    status
                }
                _ => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status
                        .set_message(failure_headline(result, &report.wording))
                        .set_type(&result.requirement);
                    status
                }
            };
            status.set_description(failure_text(result, report));
            status
        }
        Mark::Skip => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(detail(result, &report.wording).trim());
            status
        }
    };
    let mut case = TestCase::new(&result.id, status);
    case.set_classname(group).set_time(result.duration);
    case
}

/// The text of a `<failure>`: the explanation, the transcript, the seed.
fn failure_text(result: &TestResult, report: &RunReport) -> String {
    evidence(result, report, TRANSCRIPT_CAP) + "\n"
}
