//! `--report FORMAT[=PATH]`, repeatable, and its single-report shorthand `--format` /
//! `--output`: which reports a run writes, and writing them all from the one run.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::ValueEnum;

use crate::grading::Scores;
use crate::model::RunReport;
use crate::report::{self, Format, Style};

/// One report: a format, and a file (`None`: standard output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSpec {
    /// The format.
    pub format: Format,
    /// The file it goes to; `None` for standard output.
    pub path: Option<PathBuf>,
}

/// Parses `FORMAT[=PATH]`; `-` as PATH is standard output.
pub(super) fn parse_report(text: &str) -> Result<ReportSpec, String> {
    let (name, path) = match text.split_once('=') {
        Some((name, path)) => (name, Some(path)),
        None => (text, None),
    };
    let format = Format::from_str(name, true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_owned()))
            .collect();
        format!(
            "`{name}` is not a report format; give one of {}",
            names.join(", ")
        )
    })?;
    let path = match path {
        None | Some("-") => None,
        Some("") => return Err(format!("`{text}`: the path after `=` is empty")),
        Some(path) => Some(PathBuf::from(path)),
    };
    Ok(ReportSpec { format, path })
}

/// The reports asked for: every `--report` (`specs`), or else the one of `--format` and
/// `--output` (human, to standard output, by default). At most one may go to standard
/// output, and no file may be named twice.
pub(super) fn resolve(
    format: Option<Format>,
    output: Option<&PathBuf>,
    specs: &[ReportSpec],
) -> Result<Vec<ReportSpec>, String> {
    let specs = if specs.is_empty() {
        vec![ReportSpec {
            format: format.unwrap_or(Format::Human),
            path: output.cloned(),
        }]
    } else {
        specs.to_vec()
    };
    if specs.iter().filter(|s| s.path.is_none()).count() > 1 {
        return Err(
            "more than one --report goes to standard output; give all but one a file \
             (`--report json=report.json`)"
                .to_owned(),
        );
    }
    for (i, spec) in specs.iter().enumerate() {
        if let Some(path) = &spec.path
            && specs[..i].iter().any(|s| s.path.as_ref() == Some(path))
        {
            return Err(format!("two reports would go to {}", path.display()));
        }
    }
    Ok(specs)
}

/// The report on standard output, if any.
pub(super) fn on_stdout(specs: &[ReportSpec]) -> Option<Format> {
    specs.iter().find(|s| s.path.is_none()).map(|s| s.format)
}

/// Renders and writes every report of `specs`. When some go to files, one summary line on
/// standard error says so.
pub(super) fn write_all(
    report: &RunReport,
    scores: &Scores,
    specs: &[ReportSpec],
) -> Result<(), String> {
    let mut files = Vec::new();
    for spec in specs {
        let to_terminal = spec.path.is_none() && std::io::stdout().is_terminal();
        let text = report::render_scored(report, scores, spec.format, Style::detect(to_terminal))
            .map_err(|e| format!("cannot render the {:?} report: {e}", spec.format))?;
        match &spec.path {
            Some(path) => {
                std::fs::write(path, &text)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                files.push(path.display().to_string());
            }
            None => print!("{text}"),
        }
    }
    if !files.is_empty() {
        let s = report.summary();
        eprintln!(
            "{} tests, {} passed, {} failed, {} skipped (report{} in {})",
            report.results.len(),
            s.passed,
            s.failed,
            s.skipped,
            if files.len() > 1 { "s" } else { "" },
            files.join(", ")
        );
    }
    Ok(())
}
