//! The result of a load run: for people (a few aligned lines) and for scripts (JSON).

use std::fmt::Write;

use serde::Serialize;

use super::monitor::Usage;
use super::recorder::BinSummary;

/// Latency quantiles, in milliseconds.
///
/// A latency is end to end: from the moment the sender stamped the message, just before
/// writing it, to the moment a receiver read it; only first receipts count. Values are
/// clamped to 1 µs .. 10 min and kept to 3 significant figures; all are 0 when nothing was
/// delivered.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latency {
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile: the usual "tail latency".
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p99_9_ms: f64,
    /// The slowest delivery.
    pub max_ms: f64,
    /// Arithmetic mean; far above the median when a few deliveries were very late.
    pub mean_ms: f64,
}

/// A spawned server's resources at the end of the traffic (before anyone left).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ServerUse {
    /// Resident memory, in KiB (`VmRSS` of `/proc/PID/status`).
    pub rss_kib: u64,
    /// Threads of the server process: a thread-per-client server shows about one per
    /// user here.
    pub threads: usize,
}

/// Everything a load run measured.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    /// The target as reports label it: `HOST:PORT`, the command as given, or
    /// `reference-server (HOST:PORT)`.
    pub target: String,
    /// The profile's name (`reference`) or file path.
    pub profile: String,
    /// Users connected during the run, senders included (`--users`).
    pub users: usize,
    /// How many of them sent (`--senders`).
    pub senders: usize,
    /// Messages each sender was asked to send (`--messages`); see `sent` for how many
    /// were written.
    pub messages_per_sender: u64,
    /// Messages per second per sender; `None`: as fast as possible.
    pub rate_per_sender: Option<f64>,
    /// Messages written, all senders together.
    pub sent: u64,
    /// Deliveries a correct server makes for them (each to every other user).
    pub expected: u64,
    /// Distinct deliveries received.
    pub delivered: u64,
    /// `expected - delivered`: deliveries that never arrived before the run gave up.
    pub lost: u64,
    /// Extra copies of messages already received, all receivers together.
    pub duplicated: u64,
    /// Load messages that should not have arrived (echoes, unknown numbers) and lines too
    /// long to be ours.
    pub unexpected: u64,
    /// Users whose connection ended during the run.
    pub disconnected: usize,
    /// Join lines seen while the crowd gathered, and how many a correct server sends.
    pub joins_seen: u64,
    /// Join lines a correct server sends: each user sees the join of every later user,
    /// `users × (users − 1) / 2`, plus one each when the profile announces a user's own
    /// join to itself.
    pub joins_expected: u64,
    /// From the first message sent to the last delivery, in seconds.
    pub duration_s: f64,
    /// Throughput: `delivered / duration_s`, or 0 when nothing was delivered.
    pub deliveries_per_sec: f64,
    /// End-to-end latency of the deliveries.
    pub latency: Latency,
    /// How busy the harness (and a spawned server) was: read it before trusting the
    /// numbers above.
    pub usage: Usage,
    /// A spawned server's memory and threads; `None` for an address target, off Linux, or
    /// when the server had exited.
    pub server: Option<ServerUse>,
    /// Every delivery arrived exactly once, nobody was disconnected, nothing unexpected.
    pub exactly_once: bool,
    /// Reasons to doubt the numbers, one sentence each: join lines missing while the
    /// crowd gathered, or a harness that may have saturated itself.
    pub warnings: Vec<String>,
    /// Latency over the run, one summary per [`BIN`](super::recorder::BIN) from the first
    /// message sent; drawn by `--plot`, left out of the JSON.
    #[serde(skip)]
    pub timeline: Vec<BinSummary>,
    /// The latency distribution as (quantile, latency in ns) points, dense towards the
    /// tail; drawn by `--plot`, left out of the JSON.
    #[serde(skip)]
    pub distribution: Vec<(f64, u64)>,
}

impl LoadReport {
    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The report for people.
    pub fn to_human(&self) -> String {
        let mut out = String::new();
        let pace = match self.rate_per_sender {
            Some(rate) => format!("{rate} msg/s each"),
            None => "as fast as possible".to_owned(),
        };
        let _ = writeln!(
            out,
            "load: {} users, {} senders × {} messages, {pace} → {} (profile {})",
            self.users, self.senders, self.messages_per_sender, self.target, self.profile
        );
        let _ = writeln!(
            out,
            "  delivered   {} of {}  lost {}  duplicated {}  unexpected {}  disconnected {}",
            self.delivered,
            self.expected,
            self.lost,
            self.duplicated,
            self.unexpected,
            self.disconnected
        );
        let _ = writeln!(
            out,
            "  throughput  {:.0} deliveries/s over {:.2} s",
            self.deliveries_per_sec, self.duration_s
        );
        let l = &self.latency;
        let _ = writeln!(
            out,
            "  latency     p50 {:.3} ms  p90 {:.3} ms  p99 {:.3} ms  p99.9 {:.3} ms  max {:.3} ms",
            l.p50_ms, l.p90_ms, l.p99_ms, l.p99_9_ms, l.max_ms
        );
        let u = &self.usage;
        let _ = writeln!(
            out,
            "  harness     {:.2} cores of {} workers, event-loop lag p99 {:.2} ms (max {:.1} ms)",
            u.harness_cores, u.workers, u.lag_p99_ms, u.lag_max_ms
        );
        if let Some(cores) = u.server_cores {
            let _ = write!(out, "  server      {cores:.2} cores");
            if let Some(s) = &self.server {
                let _ = write!(
                    out,
                    ", {:.1} MiB resident, {} threads",
                    s.rss_kib as f64 / 1024.0,
                    s.threads
                );
            }
            out.push('\n');
        }
        for warning in &self.warnings {
            let _ = writeln!(out, "  warning: {warning}");
        }
        let verdict = if self.exactly_once {
            "every message delivered exactly once"
        } else {
            "DELIVERY ERRORS: not every message was delivered exactly once"
        };
        let _ = writeln!(out, "{verdict}");
        out
    }
}
