//! `conformance merge REPORTS… --html FILE --csv FILE`: the class report from per-submission
//! JSON reports made anywhere (`conformance grade` on many machines, a CI matrix, a
//! Kubernetes Job); also the last step of `conformance class`.

use std::path::{Path, PathBuf};

use super::matrix::{Matrix, read_reports};
use super::{csv, html, tool_error};

/// The options of `conformance merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Per-submission JSON reports, or folders of them (every `*.json` inside).
    #[arg(required = true, value_name = "REPORTS")]
    pub reports: Vec<PathBuf>,
    /// Write the class report as one self-contained HTML file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write the grades as CSV: a row per submission, a column per test, the total.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

/// Runs `conformance merge`; returns the exit code.
pub fn main(args: &MergeArgs) -> i32 {
    if args.html.is_none() && args.csv.is_none() {
        return tool_error("merge: give --html FILE, --csv FILE, or both");
    }
    let written = read_reports(&args.reports)
        .and_then(Matrix::of)
        .and_then(|m| write_class_report(&m, args.html.as_deref(), args.csv.as_deref()));
    match written {
        Ok(()) => 0,
        Err(e) => tool_error(e),
    }
}

/// Writes the class report of `matrix`: HTML and CSV, each where asked.
///
/// # Errors
///
/// A file that cannot be written, named.
pub fn write_class_report(
    matrix: &Matrix,
    html: Option<&Path>,
    csv: Option<&Path>,
) -> Result<(), String> {
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    if let Some(path) = html {
        let page = html::render(matrix).map_err(|e| format!("cannot render the page: {e}"))?;
        write(path, page)?;
    }
    if let Some(path) = csv {
        write(path, csv::render(matrix))?;
    }
    let shown: Vec<String> = [html, csv]
        .into_iter()
        .flatten()
        .map(|p| p.display().to_string())
        .collect();
    eprintln!(
        "class report: {} submissions, {} tests ({})",
        matrix.rows.len(),
        matrix.columns.len(),
        shown.join(", ")
    );
    Ok(())
}
