//! The command line. `conformance [run] [options]` runs the suite (`run` may be left out, so
//! `conformance --target HOST:PORT` works); `conformance load [options]` measures a server
//! under load (see [`crate::load`]); `conformance class`, `grade` and `merge` grade a whole
//! class (see [`crate::class`]). Every subcommand builds on the same option groups
//! ([`SuiteArgs`], [`ReportArgs`], and the target's
//! [`ServerArgs`](crate::target::ServerArgs)).
//!
//! Exit codes: 0 every selected test passed; 1 at least one failed; 2 usage error, bad
//! profile or scenario, or a target that could not be reached or started.

mod client;
mod listing;
pub(crate) mod options;
mod progress;
mod reports;
pub(crate) mod run;

use clap::{Parser, Subcommand};

pub use client::ClientArgs;
pub use options::{DEFAULT_TIMEOUT_MS, ReportArgs, SuiteArgs};
pub use reports::ReportSpec;
pub use run::RunArgs;

/// Conformance suite for multi-client chat servers (see PROTOCOL.md).
///
/// With no target it starts the workspace's reference server on a free port and tests it.
#[derive(Debug, Parser)]
#[command(name = "conformance", version, about, long_about = None)]
#[command(
    after_help = "Without --target or --server-cmd, the suite starts the built-in reference \
    server on a free port and tests it. With --server-cmd (or the reference server) it also \
    checks the server's threads and file descriptors after churn (CLEAN-4).\n\
    Exit codes: 0 all selected tests passed; 1 at least one failed; \
    2 usage error, bad profile, or target unreachable.\n\
    Examples:\n  conformance --target 127.0.0.1:8070 --profile my-server.toml\n  \
    conformance --server-cmd 'python3 server.py --port {port}' --profile my-server.toml --level strict\n  \
    conformance --list\n  conformance --explain leave.rst_idle\n  \
    conformance --server-cmd 'python3 server.py --port {port}' --grading grading.toml \
    --report human --report gradescope=results.json --report tap=report.tap\n  \
    conformance load --users 200 --senders 20 --messages 500   (see `conformance load --help`)\n  \
    conformance client --client-cmd 'python3 cliente.py {host} {port}'   (see `conformance client --help`)
    conformance class submissions/ --server-cmd 'python3 {dir}/servidor.py --port {port}' \
    --profile teacher.toml --jobs 4   (see `conformance class --help`)"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// With no command, the suite runs (as `run`).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The options of `run`, for when no command is named.
    #[command(flatten)]
    pub run: RunArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the conformance suite (the default when no command is named).
    Run(RunArgs),
    /// Measure a server under load: deliveries per second, end-to-end latency, and
    /// exactly-once delivery of every message.
    Load(crate::load::LoadArgs),
    /// Test a chat *client*: the suite plays the server, runs the client on a terminal once
    /// per test, types as a user would and watches the wire and the screen.
    Client(ClientArgs),
    /// Grade a whole class: one folder per submission, each graded by a `grade` child
    /// process; then one HTML report (students × tests) and a CSV of the grades.
    Class(crate::class::ClassArgs),
    /// Grade one submission's folder and write its JSON report (what `class` runs for each).
    Grade(crate::class::GradeArgs),
    /// Build the class report (HTML, CSV) from per-submission JSON reports made anywhere.
    Merge(crate::class::MergeArgs),
    /// Run the reference server (hidden: how the suite starts it as a process of its own,
    /// with the options of `reference-server --help`).
    #[command(name = "serve-reference", hide = true)]
    ServeReference(reference_server::Config),
}

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    crate::target::this_executable_serves_the_reference();
    let Args { command, run } = Args::parse();
    match command {
        Some(Command::ServeReference(config)) => serve_reference(config),
        Some(Command::Load(load)) => block_on(crate::load::main(load)),
        Some(Command::Run(run)) => block_on(run::main(run)),
        Some(Command::Client(client)) => block_on(client::main(client)),
        Some(Command::Class(class)) => block_on(crate::class::fanout::main(class)),
        Some(Command::Grade(grade)) => block_on(crate::class::grade::main(grade)),
        Some(Command::Merge(merge)) => crate::class::merge::main(&merge),
        None => block_on(run::main(run)),
    }
}

/// Runs `command` on a multi-threaded async runtime; returns its exit code.
fn block_on(command: impl std::future::Future<Output = i32>) -> i32 {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(command),
        Err(e) => {
            eprintln!("conformance: cannot start the async runtime: {e}");
            2
        }
    }
}

/// `serve-reference`: the reference server, with no async runtime of the harness's beside
/// it, so that the threads the suite counts (CLEAN-4) are the server's alone. It returns only
/// when the server could not start, which `reference-server` reports as exit status 1.
fn serve_reference(config: reference_server::Config) -> i32 {
    let _could_not_start = reference_server::serve(config);
    1
}
