//! Grading a whole class: `conformance class`, `conformance grade` and `conformance merge`.
//!
//! One submission is one folder. Each is graded by `conformance grade` in a child process of
//! its own, which writes that submission's JSON report (the run's JSON report with a
//! `submission` block); the class report (one HTML file, one CSV) is built from those files
//! alone. So `conformance class`, a fan-out with `xargs -P`, a GitHub Actions matrix or a
//! Kubernetes Indexed Job followed by `conformance merge` give the same reports by
//! construction — and a sandbox can wrap each child ([`fanout::grade_command`] is the one
//! place that builds it) without touching the rest.
//!
//! The modules, arrows pointing down:
//! - [`fanout`]: `conformance class`: finds the submissions, runs one `grade` child per
//!   submission (`--jobs` at once), skips those already graded, shows a progress bar, then
//!   writes the class report;
//! - [`merge`]: `conformance merge`: reads per-submission reports, writes the class report;
//! - [`grade`]: `conformance grade`: one submission: its wording, its build, its server,
//!   the suite, its JSON report — a submission that cannot be built or started is graded;
//! - [`html`], [`csv`]: the class report's two forms, rendered from a [`matrix::Matrix`];
//! - [`matrix`]: the students × tests matrix, built from the JSON reports;
//! - [`build`]: a submission's build command, bounded, its output kept in a log;
//! - [`group`]: a child process ended with its whole process group;
//! - [`wording`]: a submission's own wording profile, checked and laid over the teacher's;
//! - [`options`]: the options `class` and `grade` share, and the teacher's checked profile;
//! - [`submission`]: a submission folder, and `{dir}` in a command.
//!
//! Exit codes of `class` and `merge`: 0 every submission was graded (whatever the grades);
//! 2 the class could not be run (bad folder, bad profile, a report that cannot be read or
//! written, a submission whose grading itself broke).

pub mod build;
pub mod csv;
pub mod fanout;
pub mod grade;
pub mod group;
pub mod html;
pub mod matrix;
pub mod merge;
pub mod options;
pub mod submission;
pub mod wording;

pub use fanout::ClassArgs;
pub use grade::GradeArgs;
pub use merge::MergeArgs;

/// Prints `conformance: {message}` on stderr; returns exit code 2.
fn tool_error(message: impl std::fmt::Display) -> i32 {
    eprintln!("conformance: {message}");
    2
}
