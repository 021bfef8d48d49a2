//! The options `class` and `grade` share ([`GradeOptions`]), and the teacher's profile and
//! `[grading]` table, checked once ([`Teacher`]).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::case::TestCase;
use crate::catalogue;
use crate::cli::options::SuiteArgs;
use crate::cli::run::{check_skip_rules, load_grading};
use crate::grading::Grading;
use crate::profile::Profile;
use crate::runner;

/// How every submission is graded: the same for `class` and for each `grade`.
#[derive(Debug, Clone, clap::Args)]
pub struct GradeOptions {
    /// Start a submission's server with this shell command: `{dir}` becomes the submission's
    /// folder, `{port}` a free port (`python3 {dir}/servidor.py --port {port}`).
    #[arg(long, value_name = "CMD")]
    pub server_cmd: String,
    /// Build each submission first with this shell command (`{dir}` as above, e.g.
    /// `javac -d {dir}/build {dir}/*.java`); a build that fails is a graded failure.
    #[arg(long, value_name = "CMD")]
    pub build_cmd: Option<String>,
    /// Longest a build may take, in seconds.
    #[arg(long, default_value_t = 300, value_name = "S",
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub build_timeout: u64,
    /// The teacher's profile: wording, `skip` rules and `[grading]` table. A submission may
    /// bring its own wording in `conformance.toml` (never `skip` rules or `[grading]`).
    #[arg(long, default_value = "reference", value_name = "NAME|FILE")]
    pub profile: String,
    /// Points: the `[grading]` table from FILE instead of the profile's.
    #[arg(long, value_name = "FILE")]
    pub grading: Option<PathBuf>,
    /// Which tests and how long to wait, as for `conformance run`.
    #[command(flatten)]
    pub suite: SuiteArgs,
    /// The folder of the per-submission reports (`NAME.json`, and logs).
    #[arg(long, default_value = "class-reports", value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Run the submissions unconfined. By default each grading runs in a private network
    /// namespace and each submission's build and server in a jail: a read-only system
    /// without the teacher's files, a user of its own, limits on processes, memory, CPU
    /// time and open files (Linux, as root, with bubblewrap; see the README's "Grading a
    /// class"). Only for code you trust.
    #[arg(long)]
    pub no_sandbox: bool,
}

impl GradeOptions {
    /// The teacher's folders and files a submission must not see: the class folder (every
    /// other submission), the reports folder, the profile and `[grading]` files.
    pub fn teachers_paths(&self, class_dir: &Path) -> Vec<PathBuf> {
        let mut paths = vec![class_dir.to_owned(), self.out_dir.clone()];
        if !crate::profile::BUILT_IN.contains(&self.profile.as_str()) {
            paths.push(PathBuf::from(&self.profile));
        }
        paths.extend(self.grading.clone());
        paths
    }

    /// These options as `grade` takes them, for a child process.
    pub fn to_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["--server-cmd".into(), self.server_cmd.clone().into()];
        if let Some(build) = &self.build_cmd {
            args.extend(["--build-cmd".into(), build.into()]);
        }
        let suite = &self.suite;
        args.extend([
            "--build-timeout".into(),
            self.build_timeout.to_string().into(),
            "--profile".into(),
            self.profile.clone().into(),
            "--level".into(),
            suite.level.to_string().into(),
            "--timeout-ms".into(),
            suite.timeout_ms.to_string().into(),
            "--timeout-scale".into(),
            suite.timeout_scale.to_string().into(),
            "--repeat".into(),
            suite.repeat.to_string().into(),
            "--out-dir".into(),
            self.out_dir.clone().into(),
        ]);
        if let Some(grading) = &self.grading {
            args.extend(["--grading".into(), grading.into()]);
        }
        if self.no_sandbox {
            args.push("--no-sandbox".into());
        }
        if let Some(seed) = suite.seed {
            args.extend(["--seed".into(), seed.to_string().into()]);
        }
        for filter in &suite.filter {
            args.extend(["--filter".into(), filter.into()]);
        }
        args
    }
}

/// The teacher's side of grading, checked before any submission is: the profile (its text,
/// for laying a submission's wording over it), the `[grading]` table, the tests to run.
#[derive(Clone)]
pub struct Teacher {
    /// The profile as given (`reference` or a path).
    pub name: String,
    /// The profile file's TOML, without its `[grading]` table (empty for `reference`).
    pub table: toml::Table,
    /// The profile, compiled.
    pub profile: Arc<Profile>,
    /// The `[grading]` table of the class.
    pub grading: Grading,
    /// The tests of the class, in run order.
    pub tests: Vec<TestCase>,
}

impl Teacher {
    /// Reads and checks everything `options` name that is the teacher's.
    ///
    /// # Errors
    ///
    /// One line: a bad profile or `[grading]` table, a `{port}` missing from the server
    /// command, `--list`/`--explain` (not for a class), no test selected.
    pub fn load(options: &GradeOptions) -> Result<Teacher, String> {
        if options.suite.list || options.suite.explain.is_some() {
            return Err("--list and --explain are options of `conformance run`".into());
        }
        if !options.server_cmd.contains("{port}") {
            return Err(format!(
                "the server command `{}` has no {{port}} placeholder: write {{port}} where the \
                 port goes, e.g. `python3 {{dir}}/servidor.py --port {{port}}`",
                options.server_cmd
            ));
        }
        let profile = Profile::load(&options.profile).map_err(|e| e.to_string())?;
        let tests = catalogue::all();
        check_skip_rules(&profile, &tests)?;
        let grading = load_grading(&options.profile, options.grading.as_deref(), &tests)?;
        let mut table = if crate::profile::BUILT_IN.contains(&options.profile.as_str()) {
            toml::Table::new()
        } else {
            let text = std::fs::read_to_string(&options.profile)
                .map_err(|e| format!("cannot read {}: {e}", options.profile))?;
            text.parse::<toml::Table>()
                .map_err(|e| format!("{}: {e}", options.profile))?
        };
        table.remove("grading");
        let filters = &options.suite.filter;
        let tests = runner::in_run_order(runner::select(tests, options.suite.level, filters));
        if tests.is_empty() {
            return Err(format!(
                "no test matches --filter {} at level {}",
                filters.join(" --filter "),
                options.suite.level
            ));
        }
        Ok(Teacher {
            name: options.profile.clone(),
            table,
            profile: Arc::new(profile),
            grading,
            tests,
        })
    }
}
