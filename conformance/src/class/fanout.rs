//! `conformance class DIR`: every submission of the class folder graded by a `conformance
//! grade` child process of its own, `--jobs` at a time, behind a progress bar; submissions
//! already graded (their report in `--out-dir`) are skipped unless `--regrade`; then the
//! class report, from the reports alone, as `conformance merge` builds it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::process::Command;

use super::grade::{log_path, write_problem};
use super::group::{kill_group, own_group};
use super::matrix::{Matrix, points, read_report};
use super::merge::write_class_report;
use super::options::{GradeOptions, Teacher};
use super::submission::{Submission, discover};
use super::tool_error;

/// The options of `conformance class`.
#[derive(Debug, clap::Args)]
pub struct ClassArgs {
    /// The class folder: one sub-folder per submission, named after its student.
    pub dir: PathBuf,
    /// How each submission is built, started and tested, and where its report goes.
    #[command(flatten)]
    pub options: GradeOptions,
    /// Grade N submissions at once [default: the number of cores].
    #[arg(long, short = 'j', value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
    /// Grade every submission again, even those that already have a report in --out-dir.
    #[arg(long)]
    pub regrade: bool,
    /// Longest one submission's grading may take, in seconds; then it is ended and graded
    /// as such.
    #[arg(long, default_value_t = 900, value_name = "S",
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub submission_timeout: u64,
    /// The class report as one HTML file [default: OUT_DIR/class.html].
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// The grades as CSV [default: OUT_DIR/grades.csv].
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

/// Runs `conformance class`; returns the exit code.
pub async fn main(args: ClassArgs) -> i32 {
    let options = &args.options;
    let teacher = match Teacher::load(options) {
        Ok(t) => t,
        Err(e) => return tool_error(e),
    };
    if !options.no_sandbox
        && let Err(e) = crate::sandbox::probe()
    {
        return tool_error(crate::sandbox::unavailable(&e, "give --no-sandbox"));
    }
    let submissions = match discover(&args.dir) {
        Ok(s) => s,
        Err(e) => return tool_error(e),
    };
    if let Err(e) = std::fs::create_dir_all(&options.out_dir) {
        return tool_error(format!("cannot create {}: {e}", options.out_dir.display()));
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return tool_error(format!("cannot find this program's own path: {e}")),
    };
    let pending: Vec<&Submission> = submissions
        .iter()
        .filter(|s| args.regrade || !graded(s, &options.out_dir))
        .collect();
    let bar = progress_bar(submissions.len(), submissions.len() - pending.len());
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        usize::from,
    );
    let bound = Duration::from_secs(args.submission_timeout);
    let broken: Vec<String> = futures::stream::iter(pending)
        .map(|s| {
            let (exe, bar, teacher) = (&exe, &bar, &teacher);
            async move {
                bar.set_message(s.name.clone());
                let outcome = run_child(exe, options, teacher, s, bound).await;
                bar.inc(1);
                match &outcome {
                    Err(e) => bar.println(format!("{}: {e}", s.name)),
                    // Without a terminal there is no bar: a line per submission instead.
                    Ok(()) if bar.is_hidden() => eprintln!("{}", graded_line(s, &options.out_dir)),
                    Ok(()) => {}
                }
                outcome.err().map(|e| format!("{}: {e}", s.name))
            }
        })
        .buffer_unordered(jobs)
        .filter_map(|e| async move { e })
        .collect()
        .await;
    bar.finish_and_clear();
    let reports: Result<Vec<_>, String> = submissions
        .iter()
        .filter(|s| s.report_path(&options.out_dir).is_file())
        .map(|s| read_report(&s.report_path(&options.out_dir)))
        .collect();
    let html = args
        .html
        .unwrap_or_else(|| options.out_dir.join("class.html"));
    let csv = args
        .csv
        .unwrap_or_else(|| options.out_dir.join("grades.csv"));
    let written = reports
        .and_then(Matrix::of)
        .and_then(|m| write_class_report(&m, Some(&html), Some(&csv)));
    if let Err(e) = written {
        return tool_error(e);
    }
    if broken.is_empty() {
        0
    } else {
        tool_error(format!(
            "{} of {} submissions could not be graded (see their logs in {}):\n  {}",
            broken.len(),
            submissions.len(),
            options.out_dir.display(),
            broken.join("\n  ")
        ))
    }
}

/// Whether `submission` already has a complete report of its own in `out_dir`.
fn graded(submission: &Submission, out_dir: &Path) -> bool {
    read_report(&submission.report_path(out_dir)).is_ok_and(|(name, _)| name == submission.name)
}

/// `NAME: 42/100 points` (and its problem), from its report.
fn graded_line(submission: &Submission, out_dir: &Path) -> String {
    match read_report(&submission.report_path(out_dir)) {
        Ok((_, report)) => format!(
            "{}: {}/{} points{}",
            submission.name,
            points(report.score.points),
            points(report.score.max),
            report
                .submission
                .and_then(|s| s.problem)
                .map(|p| format!("; {p}"))
                .unwrap_or_default()
        ),
        Err(e) => e,
    }
}

fn progress_bar(total: usize, done: usize) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} graded, {elapsed} — {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_position(done as u64);
    bar
}

/// The command that grades one submission: this program's `grade`, with the class's
/// options. Unless `--no-sandbox`, that `grade` re-executes itself in a private network
/// namespace and jails the submission's commands (see [`crate::sandbox`]).
pub fn grade_command(exe: &Path, options: &GradeOptions, submission: &Submission) -> Command {
    let mut command = Command::new(exe);
    command
        .arg("grade")
        .arg(&submission.dir)
        .args(options.to_args());
    command
}

/// Grades `submission` in a child process, at most `bound`; its output goes to
/// `NAME.grade.log`. A child that overruns is ended with its whole process group (its
/// server too) and the submission graded as having taken too long.
async fn run_child(
    exe: &Path,
    options: &GradeOptions,
    teacher: &Teacher,
    submission: &Submission,
    bound: Duration,
) -> Result<(), String> {
    let log_file = log_path(&options.out_dir, submission, "grade");
    let log = std::fs::File::create(&log_file)
        .and_then(|f| Ok((f.try_clone()?, f)))
        .map_err(|e| format!("cannot write {}: {e}", log_file.display()))?;
    let mut command = grade_command(exe, options, submission);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::from(log.0))
        .stderr(Stdio::from(log.1))
        .kill_on_drop(true);
    let mut child = own_group(&mut command)
        .spawn()
        .map_err(|e| format!("cannot start `{} grade`: {e}", exe.display()))?;
    match tokio::time::timeout(bound, child.wait()).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!(
            "`conformance grade` failed ({status}); see {}",
            log_file.display()
        )),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => {
            let id = child.id();
            kill_group(&mut child);
            let _ = child.wait().await;
            if let Some(id) = id {
                crate::sandbox::jail::remove_scratch_of(id);
            }
            let problem = format!("its grading took over {}s and was ended", bound.as_secs());
            write_problem(options, teacher, submission, &problem).map(|_| ())
        }
    }
}
