//! `conformance grade DIR`: grades one submission and writes its JSON report,
//! `OUT_DIR/NAME.json` — the run's JSON report with a `submission` block.
//!
//! A submission is graded whatever it does: a profile of its own that is refused, a build
//! that fails, a server that crashes at start, never listens or ignores `{port}` all give a
//! report in which every test is `not run` (0 points, in the total) and `problem` says why.
//! Only the teacher's side (a bad profile, an unwritable folder) is a tool error (exit 2).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::build::build;
use super::options::{GradeOptions, Teacher};
use super::submission::Submission;
use super::{tool_error, wording};
use crate::cli::run::run_suite;
use crate::grading::Scores;
use crate::model::RunReport;
use crate::report::{JsonReport, JsonSubmission};
use crate::runner;
use crate::sandbox::{self, Jail};
use crate::target::TargetSpec;

/// The options of `conformance grade`.
#[derive(Debug, clap::Args)]
pub struct GradeArgs {
    /// The submission's folder; its name names the submission.
    pub dir: PathBuf,
    /// How to build, start and test it, and where its report goes.
    #[command(flatten)]
    pub options: GradeOptions,
}

/// What one grading gave, for a progress line.
#[derive(Debug, Clone)]
pub struct Graded {
    /// Points earned, and the maximum.
    pub points: (f64, f64),
    /// Why no test ran, if so.
    pub problem: Option<String>,
}

/// Runs `conformance grade`; returns the exit code.
pub async fn main(args: GradeArgs) -> i32 {
    if !args.options.no_sandbox
        && let Err(e) = sandbox::enter_private_network()
    {
        return tool_error(sandbox::unavailable(&e, "give --no-sandbox"));
    }
    let teacher = match Teacher::load(&args.options) {
        Ok(t) => t,
        Err(e) => return tool_error(e),
    };
    let submission = match Submission::at(&args.dir) {
        Ok(s) => s,
        Err(e) => return tool_error(e),
    };
    match grade(&args.options, &teacher, &submission).await {
        Ok(graded) => {
            let (points, max) = graded.points;
            eprintln!(
                "{}: {points}/{max} points{} (report in {})",
                submission.name,
                graded.problem.map(|p| format!("; {p}")).unwrap_or_default(),
                submission.report_path(&args.options.out_dir).display()
            );
            0
        }
        Err(e) => tool_error(e),
    }
}

/// Grades `submission` and writes its report into `options.out_dir`.
///
/// # Errors
///
/// The report could not be written (the grade itself never is an error).
pub async fn grade(
    options: &GradeOptions,
    teacher: &Teacher,
    submission: &Submission,
) -> Result<Graded, String> {
    std::fs::create_dir_all(&options.out_dir)
        .map_err(|e| format!("cannot create {}: {e}", options.out_dir.display()))?;
    let jail = if options.no_sandbox {
        None
    } else {
        let class_dir = submission.dir.parent().unwrap_or(&submission.dir);
        let hidden = options.teachers_paths(class_dir);
        let hidden: Vec<&Path> = hidden.iter().map(PathBuf::as_path).collect();
        Some(Jail::new(&hidden).and_then(|j| j.with_folder(&submission.dir))?)
    };
    match test(options, teacher, submission, jail.as_ref()).await {
        Ok(report) => write(options, teacher, submission, &report, None),
        Err(problem) => write_problem(options, teacher, submission, &problem),
    }
}

/// Writes the report of a submission none of whose tests could run because of `problem`.
///
/// # Errors
///
/// The report could not be written.
pub fn write_problem(
    options: &GradeOptions,
    teacher: &Teacher,
    submission: &Submission,
    problem: &str,
) -> Result<Graded, String> {
    let report = RunReport {
        target: submission.fill(&options.server_cmd),
        profile: teacher.name.clone(),
        level: options.suite.level,
        seed: options.suite.seed.unwrap_or(0),
        results: runner::none_run(&teacher.profile, &teacher.tests, problem),
        duration: Duration::ZERO,
        wording: teacher.profile.wording(),
    };
    write(
        options,
        teacher,
        submission,
        &report,
        Some(problem.to_owned()),
    )
}

/// The suite run on the submission (its build and server in `jail`, if any), or why it
/// could not be.
async fn test(
    options: &GradeOptions,
    teacher: &Teacher,
    submission: &Submission,
    jail: Option<&Jail>,
) -> Result<RunReport, String> {
    let profile = wording::profile_for(teacher, &submission.dir)?;
    if let Some(command) = &options.build_cmd {
        let log = log_path(&options.out_dir, submission, "build");
        let bound = Duration::from_secs(options.build_timeout);
        let command = submission.fill(command);
        build(
            &jail.map_or(command.clone(), |j| j.launch(&command)),
            bound,
            &log,
        )
        .await?;
    }
    let command = submission.fill(&options.server_cmd);
    let spec = match jail {
        Some(jail) => jail.confine(command),
        None => TargetSpec::Command(command),
    };
    run_suite(
        &spec,
        &profile,
        &options.suite,
        false,
        &teacher.tests,
        |_, _, _| {},
    )
    .await
    .map_err(|e| e.to_string())
}

/// `OUT_DIR/NAME.KIND.log`.
pub fn log_path(out_dir: &Path, submission: &Submission, kind: &str) -> PathBuf {
    out_dir.join(format!("{}.{kind}.log", submission.name))
}

fn write(
    options: &GradeOptions,
    teacher: &Teacher,
    submission: &Submission,
    report: &RunReport,
    problem: Option<String>,
) -> Result<Graded, String> {
    let scores = Scores::of(report, &teacher.grading);
    let block = JsonSubmission {
        name: submission.name.clone(),
        problem: problem.clone(),
    };
    let text = JsonReport::of(report, &scores, Some(block))
        .to_text()
        .map_err(|e| format!("cannot render the report of {}: {e}", submission.name))?;
    // Written whole, then renamed: a resumed class never reads half a report.
    let path = submission.report_path(&options.out_dir);
    let partial = path.with_extension("json.partial");
    std::fs::write(&partial, text)
        .and_then(|()| std::fs::rename(&partial, &path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Graded {
        points: (scores.score(), scores.max()),
        problem,
    })
}
