//! `chat-bench` (`make bench`): the reference server against its peers, measured side by side
//! in one run on one machine, printed as ratios (absolute numbers drift on shared machines;
//! ratios measured minutes apart on the same machine mostly do not).
//!
//! The peers: `tokio-peer` (an idiomatic tokio broadcast server, see its header for why it is
//! here) and the seed-style Python fixture server. The measurements (see `measure`):
//!
//! | what | workload | target for the reference |
//! |---|---|---|
//! | fan-out at saturation | 200 users, 20 senders × 500 messages, as fast as possible | ≥ tokio-peer, well ahead of the seed |
//! | paced load | 100 users, 10 senders × 100 msg/s (3 s) | p99 latency ≤ tokio-peer's |
//! | memory | 1,000 idle joined clients | ≤ 64 KiB resident per client |
//! | stall bound | 16 MB flood, one reader, one user who never reads: longest gap at the reader | ≤ 3 s (`--stall-timeout` 2 s) |
//! | suite | `conformance` core and strict against the reference | ≤ 5 s and ≤ 15 s |
//!
//! Plus the agreement check: `conformance load` run as a command (interleaved with the
//! bench's own runs) must reproduce the bench's fan-out figure for the reference within 10%.
//!
//! Benchmarks are never part of `make test`: nothing here asserts a speed; it reports.

#![warn(missing_docs)]

mod measure;
mod stall;
mod table;

use std::process::ExitCode;
use std::time::Duration;

use conformance::load::LoadConfig;

use measure::{Contestant, median, release_binary, workspace};
use table::{Row, Table};

/// Repetitions of each Rust-server fan-out run (the median is kept): at millions of
/// deliveries a second a run lasts well under a second, so one run is noisy. The Python
/// server is slow enough that one run is long and steady.
const FAN_OUT_RUNS: usize = 5;
/// Repetitions of each paced run (3 s each).
const RUNS: usize = 3;

fn fan_out() -> LoadConfig {
    LoadConfig {
        users: 200,
        senders: 20,
        messages: 500,
        rate: None,
        idle: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(10),
    }
}

fn paced() -> LoadConfig {
    LoadConfig {
        users: 100,
        senders: 10,
        messages: 300,
        rate: Some(100.0),
        ..fan_out()
    }
}

fn contestants() -> [Contestant; 3] {
    let bin = |name: &str| release_binary(name).display().to_string();
    let seed = workspace().join("fixtures/servers/seed_server.py");
    [
        Contestant {
            name: "reference",
            command: format!(
                "{} --port {{port}} --max-clients 4096",
                bin("reference-server")
            ),
            profile: "reference".into(),
        },
        Contestant {
            name: "tokio-peer",
            command: format!("{} --port {{port}}", bin("tokio-peer")),
            profile: "reference".into(),
        },
        Contestant {
            name: "seed.py",
            command: format!("python3 {} --port {{port}}", seed.display()),
            profile: workspace()
                .join("fixtures/profiles/seed.toml")
                .display()
                .to_string(),
        },
    ]
}

#[tokio::main]
async fn main() -> ExitCode {
    if let Some(warning) = conformance::open_files::raise_open_files(8192) {
        eprintln!("chat-bench: warning: {warning}");
    }
    match run().await {
        Ok(table) => {
            print!("{table}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("chat-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<Table, String> {
    let [reference, tokio_peer, seed] = contestants();
    let mut table = Table::new();

    eprintln!("fan-out at saturation (200 users, 20 senders × 500 messages) …");
    // `conformance load` run as a command takes its turn in every round too, so that it and
    // the bench see the same machine: its median must match the bench's within 10%.
    let cli_args = load_command_args(&reference.command, &fan_out());
    let mut rates = [Vec::new(), Vec::new(), Vec::new()];
    let mut exact = true;
    for _ in 0..FAN_OUT_RUNS {
        for (i, c) in [&reference, &tokio_peer].into_iter().enumerate() {
            let report = c.load(&fan_out()).await?;
            exact &= report.exactly_once;
            rates[i].push(report.deliveries_per_sec);
        }
        rates[2].push(measure::load_command_rate(&cli_args)?);
    }
    let seed_report = seed.load(&fan_out()).await?;
    exact &= seed_report.exactly_once;
    let [ref_rate, tokio_rate, cli_rate] = rates.map(median);
    table.push(Row::versus(
        "fan-out, deliveries/s",
        ref_rate,
        tokio_rate,
        Some(seed_report.deliveries_per_sec),
        "≥ 1× tokio-peer",
        ref_rate >= tokio_rate,
    ));

    eprintln!("paced load (100 users, 10 senders × 100 msg/s) …");
    let mut p99 = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..RUNS {
        for (i, c) in [&reference, &tokio_peer, &seed].into_iter().enumerate() {
            let report = c.load(&paced()).await?;
            exact &= report.exactly_once;
            p99[i].push(report.latency.p99_ms);
        }
    }
    let [ref_p99, tokio_p99, seed_p99] = p99.map(median);
    table.push(Row::versus(
        "paced p99 latency, ms",
        ref_p99,
        tokio_p99,
        Some(seed_p99),
        "≤ 1× tokio-peer",
        ref_p99 <= tokio_p99,
    ));

    eprintln!("memory with 1,000 idle clients …");
    let ref_mem = reference.memory_per_client(1000).await?;
    let tokio_mem = tokio_peer.memory_per_client(1000).await?;
    let seed_mem = seed.memory_per_client(1000).await?;
    table.push(Row::versus(
        "resident KiB per idle client",
        ref_mem,
        tokio_mem,
        Some(seed_mem),
        "≤ 64 KiB",
        ref_mem <= 64.0,
    ));

    eprintln!("stall bound (16 MB flood beside a user who never reads) …");
    let mut gaps = Vec::new();
    for _ in 0..RUNS {
        gaps.push(reference.stall_bound().await?);
    }
    let gap = median(gaps);
    table.push(Row::absolute(
        "stall bound with a never-reader, s",
        gap,
        "≤ 3 s",
        gap <= 3.0,
    ));

    eprintln!("conformance suite wall time against the reference …");
    for (level, limit) in [("core", 5.0), ("strict", 15.0)] {
        let wall = measure::suite_wall(level)?.as_secs_f64();
        table.push(Row::absolute(
            &format!("suite {level}, s"),
            wall,
            &format!("≤ {limit} s"),
            wall <= limit,
        ));
    }

    table.push(Row::agreement(
        "`conformance load` ÷ bench, fan-out",
        cli_rate / ref_rate,
        "within 10%",
        (cli_rate / ref_rate - 1.0).abs() <= 0.10,
    ));
    table.exactly_once = exact;
    Ok(table)
}

/// The `conformance load` arguments for `config` against the server `command`.
fn load_command_args(command: &str, config: &LoadConfig) -> Vec<String> {
    let mut args = vec!["--server-cmd".to_owned(), command.to_owned()];
    for (flag, value) in [
        ("--users", config.users as u64),
        ("--senders", config.senders as u64),
        ("--messages", config.messages),
    ] {
        args.extend([flag.to_owned(), value.to_string()]);
    }
    args
}
