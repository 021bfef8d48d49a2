//! `conformance client`: lists, explains or runs the client tests (see [`crate::client`])
//! against a client command and writes the report, in every format of the server suite.

use std::sync::Arc;

use super::listing;
use super::options::{ReportArgs, SuiteArgs};
use super::progress::Progress;
use super::reports;
use crate::client::catalogue::{self, ClientTest};
use crate::client::runner::{self, ClientRun};
use crate::grading::{Grading, Scores};
use crate::model::RunReport;
use crate::profile::Profile;

/// The options of `client`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 all selected tests passed; 1 at least one failed; \
    2 usage error or bad profile.\n\
    Examples:\n  conformance client --client-cmd 'python3 cliente.py {host} {port}' \
    --profile mi-cliente.toml\n  \
    conformance client --client-cmd 'python3 cliente.py' --listen 5000 --level strict\n  \
    conformance client --list\n  conformance client --explain receive.idle"
)]
pub struct ClientArgs {
    /// The client to test: a shell command line, run once per test on a terminal; `{host}`
    /// and `{port}` become the address of the harness, which plays the server.
    #[arg(long, value_name = "CMD", required_unless_present_any = ["list", "explain"])]
    pub client_cmd: Option<String>,
    /// For a client hard-coded to a port: the harness listens on 127.0.0.1:PORT instead of
    /// a free port.
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub listen: Option<u16>,
    /// The wording the harness speaks as the server, and the client's own keys (its
    /// `[client]` table: framing, quit word, what it asks before the name): a built-in name
    /// (`reference`) or a TOML file.
    #[arg(long, default_value = "reference", value_name = "NAME|FILE")]
    pub profile: String,
    /// Which tests and how long to wait.
    #[command(flatten)]
    pub suite: SuiteArgs,
    /// Which reports and where, and their points.
    #[command(flatten)]
    pub report: ReportArgs,
}

fn usage_error(message: impl std::fmt::Display) -> i32 {
    eprintln!("conformance client: {message}");
    2
}

/// Every skip rule and grading name of the profile must name some client test.
fn check_names(profile: &Profile, grading: &Grading, tests: &[ClientTest]) -> Result<(), String> {
    for rule in &profile.skip {
        if !tests.iter().any(|t| rule.matches(t.id, t.requirement)) {
            return Err(format!(
                "profile {}: the skip rule `{}` matches no client test; see `conformance \
                 client --list`",
                profile.name, rule.id
            ));
        }
    }
    let known: Vec<(&str, &str)> = tests.iter().map(|t| (t.id, t.requirement)).collect();
    if let Some((table, name)) = grading.unknown_names(&known).first() {
        return Err(format!(
            "key `grading.{table}.{name}`: names no client test; see `conformance client --list`"
        ));
    }
    Ok(())
}

/// Runs `conformance client`; returns the exit code.
pub(super) async fn main(args: ClientArgs) -> i32 {
    let ready = listing::prologue(
        "conformance client",
        &args.profile,
        &args.suite,
        &args.report,
        catalogue::all(),
        |profile, tests| {
            let grading = Grading::load(&args.profile, args.report.grading.as_deref())
                .map_err(|e| e.to_string())?;
            check_names(profile, &grading, tests)?;
            Ok(grading)
        },
    );
    let (tests, profile, grading, specs) = match ready {
        Ok(ready) => ready.parts(),
        Err(code) => return code,
    };
    let Some(command) = args.client_cmd.clone() else {
        return usage_error("--client-cmd is required to run the tests");
    };
    let selected = crate::runner::select(tests, args.suite.level, &args.suite.filter);
    if selected.is_empty() {
        return usage_error(format!(
            "no client test matches --filter {} at level {}",
            args.suite.filter.join(" --filter "),
            args.suite.level
        ));
    }
    let seed = args.suite.seed.unwrap_or_else(rand::random);
    let config = ClientRun {
        profile: Arc::clone(&profile),
        command: command.clone(),
        listen: args.listen,
        timeouts: args.suite.timeouts(),
        scale: args.suite.timeout_scale,
        seed,
        repeat: args.suite.repeat,
    };
    let progress = Progress::new(selected.len(), &specs);
    let started = std::time::Instant::now();
    let results = runner::run(&config, &selected, |i, test| progress.started(i, test.id)).await;
    progress.finish();
    let report = RunReport {
        target: format!("client `{command}`"),
        profile: profile.name.clone(),
        level: args.suite.level,
        seed,
        results,
        duration: started.elapsed(),
        wording: profile.wording(),
    };
    let scores = Scores::of(&report, &grading);
    if let Err(e) = reports::write_all(&report, &scores, &specs) {
        return usage_error(e);
    }
    if report.all_passed() { 0 } else { 1 }
}
