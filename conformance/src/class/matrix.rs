//! The class matrix: one row per submission, one column per test, built from the JSON
//! reports alone (however and wherever they were produced). Rows are in name order and
//! columns in run order, so the same reports always give the same matrix.

use std::path::{Path, PathBuf};

use crate::report::{JsonReport, JsonTest};

/// One submission's report, read back.
#[derive(Debug, Clone)]
pub struct Row {
    /// The submission's name: its `submission.name`, else the report file's stem.
    pub name: String,
    /// Why none of its tests ran, if so.
    pub problem: Option<String>,
    /// The report.
    pub report: JsonReport<'static>,
    /// For each column of the matrix, the index of that test in `report.tests`, if it ran.
    pub cells: Vec<Option<usize>>,
}

/// One test of the class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The test id.
    pub id: String,
    /// Its group.
    pub group: String,
    /// Its requirement.
    pub requirement: String,
    /// What must hold.
    pub title: String,
}

/// Students × tests.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// The tests, in run order.
    pub columns: Vec<Column>,
    /// The groups of the tests, in order of first appearance.
    pub groups: Vec<String>,
    /// The submissions, by name.
    pub rows: Vec<Row>,
}

impl Row {
    /// The test of column `c`, if this submission's report has it.
    pub fn test(&self, c: usize) -> Option<&JsonTest<'static>> {
        self.cells
            .get(c)
            .copied()
            .flatten()
            .map(|i| &self.report.tests[i])
    }

    /// Points earned and maximum in `group`.
    pub fn group_points(&self, group: &str) -> (f64, f64) {
        self.report
            .tests
            .iter()
            .filter(|t| t.group == group)
            .fold((0.0, 0.0), |(p, m), t| (p + t.points, m + t.max_points))
    }
}

impl Matrix {
    /// The matrix of `reports` (name, report).
    ///
    /// # Errors
    ///
    /// Two reports of the same submission, or no report at all.
    pub fn of(reports: Vec<(String, JsonReport<'static>)>) -> Result<Matrix, String> {
        if reports.is_empty() {
            return Err("no report to build a class report from".into());
        }
        let mut reports = reports;
        reports.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(pair) = reports.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(format!("two reports are of the submission `{}`", pair[0].0));
        }
        let mut columns: Vec<Column> = Vec::new();
        for (_, report) in &reports {
            for t in &report.tests {
                if !columns.iter().any(|c| c.id == t.id) {
                    columns.push(Column {
                        id: t.id.to_string(),
                        group: t.group.to_string(),
                        requirement: t.requirement.to_string(),
                        title: t.title.to_string(),
                    });
                }
            }
        }
        let mut groups: Vec<String> = Vec::new();
        for c in &columns {
            if !groups.contains(&c.group) {
                groups.push(c.group.clone());
            }
        }
        let rows = reports
            .into_iter()
            .map(|(name, report)| {
                let cells = columns
                    .iter()
                    .map(|c| report.tests.iter().position(|t| t.id == c.id))
                    .collect();
                let problem = report.submission.as_ref().and_then(|s| s.problem.clone());
                Row {
                    name,
                    problem,
                    report,
                    cells,
                }
            })
            .collect();
        Ok(Matrix {
            columns,
            groups,
            rows,
        })
    }

    /// The share of the submissions that ran test `c` (passed, failed or not run, but not
    /// skipped) which passed it; `None` when none ran it.
    pub fn pass_rate(&self, c: usize) -> Option<f64> {
        let counted: Vec<&JsonTest> = self
            .rows
            .iter()
            .filter_map(|r| r.test(c))
            .filter(|t| t.outcome != "skipped")
            .collect();
        let passed = counted.iter().filter(|t| t.outcome == "passed").count();
        (!counted.is_empty()).then(|| passed as f64 / counted.len() as f64)
    }
}

/// Reads reports: each path a report file, or a folder whose `*.json` files are reports.
/// A report's submission is named by its `submission` block, else by its file's stem.
///
/// # Errors
///
/// A path that cannot be read or a file that is not a JSON report, named.
pub fn read_reports(paths: &[PathBuf]) -> Result<Vec<(String, JsonReport<'static>)>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let mut found: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    files.iter().map(|f| read_report(f)).collect()
}

/// One report file, with its submission's name.
///
/// # Errors
///
/// The file cannot be read or is not a JSON report.
pub fn read_report(path: &Path) -> Result<(String, JsonReport<'static>), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let report = JsonReport::read(&text)
        .map_err(|e| format!("{}: not a conformance JSON report: {e}", path.display()))?;
    let name = match &report.submission {
        Some(s) => s.name.clone(),
        None => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    Ok((name, report))
}

/// Points as the class report shows them: `12`, `12.5`, `12.25`.
pub fn points(p: f64) -> String {
    let text = format!("{p:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report of `name` with tests (id, outcome, points).
    fn report(name: &str, tests: &[(&str, &str, f64)]) -> (String, JsonReport<'static>) {
        let tests: Vec<serde_json::Value> = tests
            .iter()
            .map(|(id, outcome, points)| {
                serde_json::json!({"id": id, "group": id.split('.').next(), "level": "core",
                    "requirement": "JOIN-2", "title": "t", "status": "pass",
                    "outcome": outcome, "detail": "", "duration_ms": 1, "points": points,
                    "max_points": 1.0, "expected": null, "actual": null, "phase": null,
                    "setup": null, "attempts": null, "transcript": []})
            })
            .collect();
        let json = serde_json::json!({"target": "x", "profile": "p", "level": "core",
            "seed": 1, "duration_ms": 1, "summary": {"passed": 0, "failed": 0, "skipped": 0},
            "score": {"points": 0.0, "max": 0.0}, "tests": tests,
            "submission": {"name": name, "problem": null}});
        (
            name.to_owned(),
            JsonReport::read(&json.to_string()).unwrap(),
        )
    }

    #[test]
    fn rows_by_name_columns_in_run_order_and_pass_rates_without_skips() {
        let m = Matrix::of(vec![
            report(
                "beto",
                &[("join.a", "failed", 0.0), ("leave.b", "skipped", 0.0)],
            ),
            report(
                "ana",
                &[("join.a", "passed", 1.0), ("join.c", "not run", 0.0)],
            ),
        ])
        .unwrap();
        let names: Vec<&str> = m.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["ana", "beto"]);
        let ids: Vec<&str> = m.columns.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["join.a", "join.c", "leave.b"]);
        assert_eq!(m.groups, ["join", "leave"]);
        assert_eq!(m.pass_rate(0), Some(0.5));
        assert_eq!(m.pass_rate(1), Some(0.0));
        assert_eq!(m.pass_rate(2), None, "a skip is not counted");
        assert!(m.rows[1].test(1).is_none(), "beto's run had no join.c");
        assert_eq!(m.rows[0].group_points("join"), (1.0, 2.0));
    }

    #[test]
    fn two_reports_of_one_submission_or_none_are_refused() {
        let one = || report("ana", &[("join.a", "passed", 1.0)]);
        let err = Matrix::of(vec![one(), one()]).unwrap_err();
        assert!(err.contains("`ana`"), "{err}");
        assert!(Matrix::of(Vec::new()).is_err());
    }

    #[test]
    fn points_are_shown_without_trailing_zeros() {
        assert_eq!(points(12.0), "12");
        assert_eq!(points(12.5), "12.5");
        assert_eq!(points(0.25), "0.25");
    }
}
