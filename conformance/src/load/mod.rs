//! `conformance load`: a measuring instrument for chat servers.
//!
//! N simulated users connect and join; S of them send M messages each, as fast as the
//! connection takes them or R per second each. Every message's text carries its sender, its
//! sequence number and when it was sent (`ld:{sender}:{seq}:{sent_ns}`), so each receipt
//! gives an end-to-end latency (into an HDR histogram) and is checked off exactly: the report
//! counts deliveries lost and duplicated, not just a rate. Every line a user receives lands
//! in exactly one count, so nothing the server sends goes unreported.
//!
//! The parts: [`wording`] (the profile, precomputed for speed), [`conn`] (one user's reader
//! and sender), [`received`] (each line into one count), [`crowd`] (gathering the users,
//! running the traffic), [`tally`] (exact counting), [`totals`] (over every user, and what
//! missing joins mean), [`recorder`] (histograms), [`monitor`] (is the harness itself
//! saturated?), [`report`] and [`plot`].

pub mod conn;
pub mod crowd;
pub mod monitor;
pub mod plot;
pub mod received;
pub mod recorder;
pub mod report;
pub mod tally;
pub mod totals;
pub mod wording;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

pub use crowd::{Crowd, LoadConfig, LoadError};
pub use monitor::Progress;
pub use report::LoadReport;

use crate::profile::Profile;
use crate::target::{ServerArgs, Target};

/// Report formats of `conformance load`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LoadFormat {
    /// A few aligned lines: deliveries, throughput, latency, harness and server use.
    Human,
    /// One pretty JSON object with every measurement; warnings are also printed to stderr.
    Json,
}

/// `conformance load`: measure deliveries per second and end-to-end latency under load,
/// checking that every message is delivered exactly once.
#[derive(Debug, Parser)]
#[command(
    after_help = "Exit codes: 0 every message delivered exactly once; 1 messages lost, \
    duplicated, unexpected or without their sender's name, lines that fit nothing in the \
    profile, or users disconnected; 2 usage error, bad profile, or the users could not \
    connect and join.\n\
    Examples:\n  conformance load --users 200 --senders 20 --messages 500\n  \
    conformance load --users 100 --senders 10 --messages 500 --rate 100 --plot latency.svg\n  \
    conformance load --server-cmd 'python3 server.py --port {port}' --profile my.toml \
    --users 50 --senders 5 --messages 100 --format json"
)]
pub struct LoadArgs {
    /// Which server to load and its wording: `--target`, `--server-cmd`, `--profile`.
    #[command(flatten)]
    pub server: ServerArgs,
    /// Simulated users connected at once.
    #[arg(long, default_value_t = 100, value_name = "N",
          value_parser = clap::value_parser!(u64).range(2..=100_000))]
    pub users: u64,
    /// How many of the users send.
    #[arg(long, default_value_t = 10, value_name = "S",
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub senders: u64,
    /// Messages each sender sends.
    #[arg(long, default_value_t = 100, value_name = "M",
          value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub messages: u64,
    /// Messages per second per sender (default: as fast as possible).
    #[arg(long, value_name = "R", value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = LoadFormat::Human)]
    pub format: LoadFormat,
    /// Also draw latency over the run and the latency distribution into FILE (SVG).
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Stop waiting for the rest when nothing has arrived for this long, in milliseconds.
    #[arg(long, default_value_t = 3000, value_name = "MS",
          value_parser = clap::value_parser!(u64).range(10..=600_000))]
    pub idle_ms: u64,
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(r) if r.is_finite() && (0.01..=1_000_000.0).contains(&r) => Ok(r),
        _ => Err(format!(
            "`{text}` is not a rate between 0.01 and 1000000 per second"
        )),
    }
}

impl LoadArgs {
    /// The run these arguments ask for.
    pub fn config(&self) -> LoadConfig {
        LoadConfig {
            users: usize::try_from(self.users).unwrap_or(usize::MAX),
            senders: usize::try_from(self.senders).unwrap_or(usize::MAX),
            messages: self.messages,
            rate: self.rate,
            idle: Duration::from_millis(self.idle_ms),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

fn usage_error(message: impl std::fmt::Display) -> i32 {
    eprintln!("conformance load: {message}");
    2
}

/// Runs `conformance load`; returns the exit code.
pub async fn main(args: LoadArgs) -> i32 {
    if args.senders > args.users {
        return usage_error(format!(
            "--senders {} is more than --users {}",
            args.senders, args.users
        ));
    }
    let profile = match Profile::load(&args.server.profile) {
        Ok(p) => p,
        Err(e) => return usage_error(e),
    };
    if let Err(e) = wording::Wording::new(&profile, &["check".to_owned()]) {
        return usage_error(e);
    }
    // Our sockets and, for a spawned server, its own.
    if let Some(warning) = crate::open_files::raise_open_files(2 * args.users + 256) {
        eprintln!("conformance load: warning: {warning}");
    }
    let spec = args.server.spec();
    let target = match Target::start(&spec, Duration::from_secs(10)).await {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    let progress =
        Progress::new(args.format == LoadFormat::Human && std::io::stderr().is_terminal());
    let crowd = Crowd::gather(target.addr(), &profile, args.config(), &progress).await;
    let report = match crowd {
        Ok(crowd) => {
            crowd
                .run(target.pid(), &target.label(), &profile.name, &progress)
                .await
        }
        Err(e) => {
            progress.clear();
            target.stop().await;
            return usage_error(e);
        }
    };
    progress.clear();
    target.stop().await;
    if let Some(Err(e)) = args
        .plot
        .as_ref()
        .map(|path| plot::write_svg(&report, path))
    {
        return usage_error(e);
    }
    match args.format {
        LoadFormat::Human => print!("{}", report.to_human()),
        LoadFormat::Json => println!("{}", report.to_json()),
    }
    if args.format == LoadFormat::Json {
        for warning in &report.warnings {
            eprintln!("conformance load: warning: {warning}");
        }
    }
    if report.passed() { 0 } else { 1 }
}
