//! The scores of a run under a [`Grading`]: computed once, in hundredths of a point, so that
//! every report that shows points shows the same ones.
//!
//! The rules (README, "For teachers"):
//! - a test skipped by the teacher's profile (a `skip` rule, or a test that does not apply
//!   to the profile's server, such as the quit tests without a quit word) is out of the
//!   total, and so is a test the level leaves out (it is not in the run at all);
//! - a test passed gets its points, whatever its notes;
//! - a test failed, failed in setup, or intermittent gets zero points (the reports still say
//!   which), and so does a test the runner could not run because the server had exited or
//!   stopped answering: it is in the total.
//!
//! Each counted test's share of the total is `total × weight / (sum of the counted weights)`,
//! rounded to hundredths so that the shares add up to the total exactly (largest
//! remainders get the spare hundredths, in run order on a tie).

use super::{Grading, Visibility};
use crate::model::{Mark, RunReport, SkipCause, Status, TestResult};

/// The points of one test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestScore {
    /// Whether the test is in the total (see the module's rules).
    pub counted: bool,
    /// Its weight in the `[grading]` table (1 unless named).
    pub weight: f64,
    /// What it is worth, in hundredths of a point; 0 when not counted.
    pub max_cents: u64,
    /// What it earned, in hundredths: `max_cents` for a pass, else 0.
    pub points_cents: u64,
    /// Gradescope's visibility of the test.
    pub visibility: Visibility,
}

impl TestScore {
    /// What it is worth, in points.
    pub fn max(&self) -> f64 {
        points(self.max_cents)
    }

    /// What it earned, in points.
    pub fn points(&self) -> f64 {
        points(self.points_cents)
    }
}

/// The scores of a run: one per result, in the report's order, and the sums.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// One per result of the report, in order.
    pub tests: Vec<TestScore>,
    /// The points of the run, in hundredths: the `[grading]` total, or the counted weights.
    pub max_cents: u64,
    /// The points earned, in hundredths.
    pub score_cents: u64,
    /// The visibility of the results as a whole (Gradescope).
    pub visibility: Visibility,
}

impl Scores {
    /// Scores `report` under `grading`.
    pub fn of(report: &RunReport, grading: &Grading) -> Scores {
        let weights: Vec<Option<f64>> = report
            .results
            .iter()
            .map(|r| counted(r).then(|| grading.weight(&r.id, &r.requirement)))
            .collect();
        let sum: f64 = weights.iter().flatten().sum();
        let total = grading.total.unwrap_or(sum);
        let shares = shares(to_cents(total), &weights, sum);
        let tests: Vec<TestScore> = report
            .results
            .iter()
            .zip(&weights)
            .zip(shares)
            .map(|((result, weight), max_cents)| TestScore {
                counted: weight.is_some(),
                weight: grading.weight(&result.id, &result.requirement),
                max_cents,
                points_cents: if result.status.mark() == Mark::Pass {
                    max_cents
                } else {
                    0
                },
                visibility: grading.visibility_of(&result.id, &result.requirement),
            })
            .collect();
        Scores {
            max_cents: tests.iter().map(|t| t.max_cents).sum(),
            score_cents: tests.iter().map(|t| t.points_cents).sum(),
            tests,
            visibility: grading.visibility,
        }
    }

    /// The points of the run.
    pub fn max(&self) -> f64 {
        points(self.max_cents)
    }

    /// The points earned.
    pub fn score(&self) -> f64 {
        points(self.score_cents)
    }

    /// `12.5 / 40 points`, as every report words it.
    pub fn summary(&self) -> String {
        format!(
            "{} / {} points",
            points_text(self.score_cents),
            points_text(self.max_cents)
        )
    }
}

/// Hundredths as a short number: `12.5`, `40`, `33.34`.
pub fn points_text(cents: u64) -> String {
    let text = format!("{}.{:02}", cents / 100, cents % 100);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Whether `result` is in the total.
fn counted(result: &TestResult) -> bool {
    match &result.status {
        Status::Skip { cause, .. } => *cause == SkipCause::NotRun,
        Status::Pass { .. } | Status::Fail(_) | Status::Intermittent(_) => true,
    }
}

fn points(cents: u64) -> f64 {
    cents as f64 / 100.0
}

fn to_cents(points: f64) -> u64 {
    (points * 100.0).round().max(0.0) as u64
}

/// `total` hundredths shared out by weight among the `Some` entries (`sum` is their sum), so
/// that the shares add up to `total` exactly; `None` entries get 0.
fn shares(total: u64, weights: &[Option<f64>], sum: f64) -> Vec<u64> {
    if sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights
        .iter()
        .map(|w| w.map_or(0.0, |w| total as f64 * w / sum))
        .collect();
    let mut shares: Vec<u64> = exact.iter().map(|e| e.floor() as u64).collect();
    let spare = total.saturating_sub(shares.iter().sum());
    let mut by_remainder: Vec<usize> = (0..weights.len())
        .filter(|&i| weights[i].is_some_and(|w| w > 0.0))
        .collect();
    by_remainder.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in by_remainder
        .iter()
        .cycle()
        .take(usize::try_from(spare).unwrap_or(0))
    {
        shares[i] += 1;
    }
    shares
}
