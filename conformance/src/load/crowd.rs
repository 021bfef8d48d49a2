//! A crowd of load users: [`Crowd::gather`] connects and joins them all, [`Crowd::run`] has
//! the senders send while everyone counts and times what arrives, then reports.
//!
//! Every wait is bounded by progress, not by a fixed time: joining waits until every user is
//! welcomed and every join line has arrived, and the traffic phase until every message has
//! arrived, with its sender's name or without — or until nothing has arrived for `idle` (the
//! settle time), which means the rest is not coming.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::conn::{Pace, Shared, read_loop, send_loop};
use super::monitor::{Monitor, Progress};
use super::received::Received;
use super::recorder::Recorder;
use super::report::{DurationEnd, Latency, LoadReport, ServerUse};
use super::tally::Milestone;
use super::totals::{Totals, joins_note};
use super::wording::{Wording, WordingError};
use crate::profile::Profile;

/// Connections being opened at once while the crowd gathers (the server's listen backlog
/// must not overflow).
const CONNECTING_AT_ONCE: usize = 64;

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Users connected and joined at once, senders included; at least 2 (`--users`).
    pub users: usize,
    /// How many of the users send: the first `senders` users, never more than `users`
    /// (`--senders`). The others only receive.
    pub senders: usize,
    /// Messages each sender sends, numbered from 0 (`--messages`).
    pub messages: u64,
    /// Messages per second per sender; `None`: as fast as possible.
    pub rate: Option<f64>,
    /// Give up waiting when nothing has progressed for this long.
    pub idle: Duration,
    /// Bound of one connection attempt.
    pub connect_timeout: Duration,
}

/// Why a load run could not be done (the server was not measured).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The profile's wording cannot be used for load messages.
    #[error(transparent)]
    Wording(#[from] WordingError),
    /// A user could not connect, or could not send its name.
    #[error("user {user} cannot connect to {addr}: {reason}")]
    Connect {
        /// The user's index, from 0 (its name is `u<tag><index>`, the tag 4 random
        /// letters per run).
        user: usize,
        /// The server's address.
        addr: SocketAddr,
        /// The socket error, or that the connection attempt timed out.
        reason: String,
    },
    #[error(
        "only {welcomed} of {users} users were welcomed (nothing more arrived for {idle:?}); \
         is the server full (--max-clients) or not sending its welcome line?"
    )]
    /// Not every user received the profile's welcome line: the server refused or ignored
    /// some of them.
    NotWelcomed {
        /// Users welcomed before progress stopped.
        welcomed: u64,
        /// Users of the run (`--users`), all connected and having sent their names.
        users: usize,
        /// How long nothing more arrived before the crowd gave up (`--idle-ms`).
        idle: Duration,
    },
}

/// Connected, joined users, ready for traffic.
#[derive(Debug)]
pub struct Crowd {
    config: LoadConfig,
    shared: Arc<Shared>,
    readers: Vec<JoinHandle<Received>>,
    /// Every user's sending half, in user order; kept open until the end (dropping one
    /// would close that user's side of the connection).
    writers: Vec<OwnedWriteHalf>,
    joins_expected: u64,
    /// Join lines that had arrived when the crowd was gathered.
    joins_at_start: u64,
}

impl Crowd {
    /// Connects `config.users` users to `addr` with the wording of `profile`, and waits until
    /// they have all joined.
    pub async fn gather(
        addr: SocketAddr,
        profile: &Profile,
        config: LoadConfig,
        progress: &Progress,
    ) -> Result<Crowd, LoadError> {
        let tag = run_tag();
        let names: Vec<String> = (0..config.users).map(|i| format!("u{tag}{i}")).collect();
        let wording = Wording::new(profile, &names[..config.senders])?;
        let n = config.users as u64;
        let joins_expected = n * (n - 1) / 2 + if wording.announce_self { n } else { 0 };
        let welcome_lines = wording.welcome_for("").len() as u64;
        let shared = Arc::new(Shared {
            base: Instant::now(),
            wording,
            messages: config.messages,
            users: config.users,
            name_prefix: format!("u{tag}").into_bytes().into(),
            welcomed: Milestone::default(),
            joins: Milestone::default(),
            arrived: Milestone::default(),
            last_arrival_ns: AtomicU64::new(0),
            recorder: Recorder::default(),
            stop: CancellationToken::new(),
        });
        // Every welcome line of every user (a profile may give several).
        shared.welcomed.set_target(n * welcome_lines);
        shared.joins.set_target(joins_expected);

        let phase = {
            let shared = shared.clone();
            progress.follow("joining", n, move || {
                shared.welcomed.get() / welcome_lines.max(1)
            })
        };
        let mut connected: Vec<_> = futures::stream::iter(names.into_iter().enumerate())
            .map(|(i, name)| connect(i, name, addr, &config, shared.clone()))
            .buffer_unordered(CONNECTING_AT_ONCE)
            .collect()
            .await;
        connected.sort_by_key(|c| c.as_ref().map_or(0, |c| c.0));
        let mut crowd = Crowd {
            config,
            shared,
            readers: Vec::new(),
            writers: Vec::new(),
            joins_expected,
            joins_at_start: 0,
        };
        for c in connected {
            let (reader, writer) = match c {
                Ok((_, reader, writer)) => (reader, writer),
                Err(e) => {
                    crowd.shared.stop.cancel();
                    return Err(e);
                }
            };
            crowd.readers.push(reader);
            crowd.writers.push(writer);
        }
        let idle = crowd.config.idle;
        if !crowd.shared.welcomed.wait(idle).await {
            crowd.shared.stop.cancel();
            return Err(LoadError::NotWelcomed {
                welcomed: crowd.shared.welcomed.get() / welcome_lines.max(1),
                users: crowd.config.users,
                idle,
            });
        }
        // Missing joins are judged with the traffic's figures, in the report.
        crowd.shared.joins.wait(idle).await;
        crowd.joins_at_start = crowd.shared.joins.get();
        drop(phase);
        Ok(crowd)
    }

    /// How many users are connected.
    pub fn users(&self) -> usize {
        self.writers.len()
    }

    /// Runs the traffic, then disconnects everyone and reports. `server_pid` is a spawned
    /// server's process (for its CPU and memory), `target` and `profile` label the report.
    pub async fn run(
        mut self,
        server_pid: Option<u32>,
        target: &str,
        profile: &str,
        progress: &Progress,
    ) -> LoadReport {
        let config = self.config.clone();
        let shared = self.shared.clone();
        let receivers = (config.users - 1) as u64 + u64::from(shared.wording.echo);
        let expected = config.senders as u64 * config.messages * receivers;
        shared.arrived.set_target(expected);
        let phase = {
            let shared = shared.clone();
            progress.follow("delivering", expected, move || shared.arrived.get())
        };

        let monitor = Monitor::start(server_pid);
        let origin = shared.now_ns();
        shared.recorder.set_origin(origin);
        let start = tokio::time::Instant::now();
        let senders: Vec<JoinHandle<(OwnedWriteHalf, u64)>> = self
            .writers
            .drain(..config.senders)
            .enumerate()
            .map(|(k, mut socket)| {
                let shared = shared.clone();
                let pace = Pace {
                    rate: config.rate,
                    phase: k as f64 / config.senders as f64,
                };
                tokio::spawn(async move {
                    let sent = send_loop(k, &mut socket, &shared, pace, start).await;
                    (socket, sent)
                })
            })
            .collect();
        let mut sent = Vec::with_capacity(config.senders);
        for sender in senders {
            match sender.await {
                Ok((socket, count)) => {
                    self.writers.push(socket);
                    sent.push(count);
                }
                Err(_) => sent.push(0),
            }
        }
        let all_sent: u64 = sent.iter().sum();
        let sends_done = shared.now_ns();
        if all_sent < config.senders as u64 * config.messages {
            shared.arrived.set_target(all_sent * receivers);
        }
        let complete = shared.arrived.wait(config.idle).await;
        let usage = monitor.finish().await;
        let server = server_pid
            .and_then(crate::procfs::process_stats)
            .map(|s| ServerUse {
                rss_kib: s.rss_kib,
                threads: s.threads,
            });
        drop(phase);

        shared.stop.cancel();
        let mut seen = Vec::with_capacity(self.readers.len());
        for reader in self.readers.drain(..) {
            seen.push(reader.await.unwrap_or_default());
        }
        let (joins_expected, joins_at_start) = (self.joins_expected, self.joins_at_start);
        self.disperse().await;

        // The run ends at the last arrival, or, when some never came, one settle time after
        // the last sign of progress (an arrival, or the last send).
        let last = shared.last_arrival_ns.load(Ordering::Relaxed);
        let (end, duration_ends) = if complete {
            (last, DurationEnd::LastDelivery)
        } else {
            let idle = u64::try_from(config.idle.as_nanos()).unwrap_or(u64::MAX);
            let settled = last.max(sends_done).saturating_add(idle);
            (settled, DurationEnd::SettleEnd)
        };
        let duration_s = end.saturating_sub(origin) as f64 / 1e9;
        let totals = Totals::of(&seen, &sent, shared.wording.echo);
        let expected = all_sent * receivers;
        let lost = expected.saturating_sub(totals.delivered + totals.without_sender);
        let joins_seen = shared.joins.get();
        let missed_joins = totals.missed_joins;
        let mut warnings: Vec<String> = joins_note(
            joins_at_start,
            joins_seen,
            joins_expected,
            missed_joins.as_ref(),
            lost,
        )
        .into_iter()
        .collect();
        warnings.extend(usage.saturation_warnings());
        let recorder = &shared.recorder;
        let ms = |ns: u64| ns as f64 / 1e6;
        let (mean, max, _) = recorder.mean_max_count();
        LoadReport {
            target: target.to_owned(),
            profile: profile.to_owned(),
            users: config.users,
            senders: config.senders,
            messages_per_sender: config.messages,
            rate_per_sender: config.rate,
            sent: all_sent,
            expected,
            delivered: totals.delivered,
            without_sender: totals.without_sender,
            lost,
            duplicated: totals.lines.duplicates,
            unexpected: totals.lines.unexpected,
            unparsed: totals.lines.unparsed,
            unparsed_samples: totals.samples,
            lines: totals.lines,
            disconnected: totals.disconnected,
            joins_seen,
            joins_expected,
            joins_at_start,
            missed_joins,
            duration_s,
            duration_ends,
            settle_s: config.idle.as_secs_f64(),
            deliveries_per_sec: if duration_s > 0.0 {
                totals.delivered as f64 / duration_s
            } else {
                0.0
            },
            latency: Latency {
                p50_ms: ms(recorder.quantile(0.5)),
                p90_ms: ms(recorder.quantile(0.9)),
                p99_ms: ms(recorder.quantile(0.99)),
                p99_9_ms: ms(recorder.quantile(0.999)),
                max_ms: ms(max),
                mean_ms: mean / 1e6,
            },
            usage,
            server,
            exactly_once: totals.delivered == expected
                && totals.lines.duplicates == 0
                && totals.lines.unexpected == 0
                && totals.disconnected == 0,
            warnings,
            timeline: recorder.timeline(),
            distribution: recorder.distribution(),
        }
    }

    /// Ends every reader and closes every connection.
    pub async fn disperse(mut self) {
        self.shared.stop.cancel();
        for reader in self.readers.drain(..) {
            let _ = reader.await;
        }
        for mut writer in self.writers.drain(..) {
            let _ = writer.shutdown().await;
        }
    }
}

/// Connects user `i` as `name`, starts its reader and sends its name.
async fn connect(
    i: usize,
    name: String,
    addr: SocketAddr,
    config: &LoadConfig,
    shared: Arc<Shared>,
) -> Result<(usize, JoinHandle<Received>, OwnedWriteHalf), LoadError> {
    let error = |reason: String| LoadError::Connect {
        user: i,
        addr,
        reason,
    };
    let stream = tokio::time::timeout(config.connect_timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| error(format!("no answer within {:?}", config.connect_timeout)))?
        .map_err(|e| error(e.to_string()))?;
    let _ = stream.set_nodelay(true);
    let (read, mut write) = stream.into_split();
    let line = format!("{name}\n");
    let reader = tokio::spawn(read_loop(i, name, read, shared));
    write
        .write_all(line.as_bytes())
        .await
        .map_err(|e| error(e.to_string()))?;
    Ok((i, reader, write))
}

/// A short random tag, so the names of two runs against one server never collide.
fn run_tag() -> String {
    (0..4)
        .map(|_| char::from(b'a' + rand::random_range(0..26u8)))
        .collect()
}
