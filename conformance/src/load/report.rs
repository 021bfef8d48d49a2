//! The result of a load run: for people (a few aligned lines) and for scripts (JSON; the
//! README's "`conformance load --format json`" lists its fields).

use std::fmt::Write;

use serde::Serialize;

use super::monitor::Usage;
use super::received::Lines;
use super::recorder::BinSummary;
use super::totals::MissedJoins;

/// Where a run's duration ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationEnd {
    /// Every message arrived (with its sender's name or without): at the last one's
    /// arrival.
    LastDelivery,
    /// Some never arrived: one settle time (`--idle-ms`) after the last arrival or, if later,
    /// the last send.
    SettleEnd,
}

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
    /// Resident memory, in KiB (`VmRSS` of `/proc/PID/status` on Linux).
    pub rss_kib: u64,
    /// Threads of the server process: a thread-per-client server shows about one per
    /// user here. `null` off Linux, where threads cannot be counted.
    pub threads: Option<usize>,
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
    /// Distinct deliveries received with their sender's name.
    pub delivered: u64,
    /// Distinct messages that arrived on a line without their sender's name (the text as
    /// the sender wrote it, alone): a server that names the sender once per `recv()`
    /// instead of once per line. Neither delivered nor lost.
    pub without_sender: u64,
    /// `expected - delivered - without_sender`: deliveries that never arrived in any form
    /// before the run gave up.
    pub lost: u64,
    /// Extra copies of messages already received, in either form, all receivers together.
    pub duplicated: u64,
    /// Load messages that should not have arrived: echoes the profile does not allow, or
    /// sequence numbers never sent.
    pub unexpected: u64,
    /// Lines that fit nothing in the profile, lines too long to be anything the harness
    /// sent, and bytes left without a line ending at the end (`lines.unparsed`).
    pub unparsed: u64,
    /// The first few different ones (at most 5), as received (invalid UTF-8 replaced), cut
    /// to 120 characters.
    pub unparsed_samples: Vec<String>,
    /// Every line the users received, each in exactly one count; `lines.deliveries +
    /// lines.echoes` is `delivered`, `lines.without_sender` is `without_sender`.
    pub lines: Lines,
    /// Users whose connection ended during the run.
    pub disconnected: usize,
    /// Join lines seen while the crowd gathered, and how many a correct server sends.
    pub joins_seen: u64,
    /// Join lines a correct server sends: each user sees the join of every later user,
    /// `users × (users − 1) / 2`, plus one each when the profile announces a user's own
    /// join to itself.
    pub joins_expected: u64,
    /// Join lines that had arrived when the traffic started (the rest came later or never).
    pub joins_at_start: u64,
    /// Pairs of users neither of whom received the other's join line, and the deliveries
    /// lost between them; `None` in runs of more than 4096 users.
    pub missed_joins: Option<MissedJoins>,
    /// From the first message sent to where `duration_ends` says, in seconds.
    pub duration_s: f64,
    /// `last_delivery` when every message arrived (the last arrival ends the run), or
    /// `settle_end` when some never did (the run ends one settle time after the last
    /// arrival or, if later, the last send).
    pub duration_ends: DurationEnd,
    /// How long the run waited once nothing more arrived (`--idle-ms`), in seconds.
    pub settle_s: f64,
    /// Throughput: `delivered / duration_s`, or 0 when nothing was delivered.
    pub deliveries_per_sec: f64,
    /// End-to-end latency of the deliveries.
    pub latency: Latency,
    /// How busy the harness (and a spawned server) was: read it before trusting the
    /// numbers above.
    pub usage: Usage,
    /// A spawned server's memory and threads; `None` for an address target, or when the
    /// server had exited.
    pub server: Option<ServerUse>,
    /// Every delivery arrived exactly once with its sender's name, nobody was disconnected,
    /// nothing unexpected. (The exit code also fails a run with unparsed lines.)
    pub exactly_once: bool,
    /// Reasons to doubt the numbers, one sentence each: join lines missing (and what that
    /// means for the deliveries), or a harness that may have saturated itself.
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
        if self.without_sender > 0 {
            let _ = writeln!(
                out,
                "  arrived without its sender: {} (a message's text alone on a line: does the \
                 server name the sender once per recv() instead of once per line?)",
                self.without_sender
            );
        }
        let _ = writeln!(out, "  lines       {}", self.line_counts());
        if self.unparsed > 0 {
            let quoted: Vec<String> = self
                .unparsed_samples
                .iter()
                .map(|s| crate::wire::quoted(s))
                .collect();
            let _ = writeln!(
                out,
                "  unparsed    {} lines fit nothing in the profile; the first: {}",
                self.unparsed,
                quoted.join(", ")
            );
        }
        let until = match self.duration_ends {
            DurationEnd::LastDelivery => "from the first send to the last delivery".to_owned(),
            DurationEnd::SettleEnd => format!(
                "from the first send to the end of the {:.2} s settle time after the last \
                 arrival: not every message arrived",
                self.settle_s
            ),
        };
        let _ = writeln!(
            out,
            "  throughput  {:.0} deliveries/s over {:.2} s ({until})",
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
                let threads = s.threads.map_or_else(
                    || format!("threads not counted on {}", std::env::consts::OS),
                    |n| format!("{n} threads"),
                );
                let _ = write!(
                    out,
                    ", {:.1} MiB resident, {threads}",
                    s.rss_kib as f64 / 1024.0
                );
            }
            out.push('\n');
        }
        for warning in &self.warnings {
            let _ = writeln!(out, "  warning: {warning}");
        }
        let verdict = match (self.exactly_once, self.unparsed) {
            (true, 0) => "every message delivered exactly once",
            (true, _) => {
                "every message delivered exactly once, but some lines fit nothing in the \
                 profile (if they are meant, the profile's `ignore` can name them)"
            }
            (false, _) => "DELIVERY ERRORS: not every message was delivered exactly once",
        };
        let _ = writeln!(out, "{verdict}");
        out
    }

    /// True when every message was delivered exactly once and every line fit the profile:
    /// the run's exit code is 0.
    pub fn passed(&self) -> bool {
        self.exactly_once && self.unparsed == 0
    }

    /// `1234 received: 36 deliveries, 864 without sender, …`, only the kinds that came.
    fn line_counts(&self) -> String {
        let l = &self.lines;
        let kinds = [
            (l.deliveries, "deliveries"),
            (l.echoes, "echoes"),
            (l.without_sender, "without sender"),
            (l.duplicates, "duplicates"),
            (l.unexpected, "unexpected"),
            (l.welcomes, "welcomes"),
            (l.joins, "joins"),
            (l.leaves, "leaves"),
            (l.errors, "errors"),
            (l.ignored, "ignored"),
            (l.unparsed, "unparsed"),
        ];
        let shown: Vec<String> = kinds
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, kind)| format!("{n} {kind}"))
            .collect();
        format!("{} received: {}", l.total(), shown.join(", "))
    }
}
