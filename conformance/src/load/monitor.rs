//! Watching the instrument itself: a load generator that is the bottleneck measures itself,
//! not the server. While traffic runs, a ticker measures how late the event loop wakes it
//! (lag), and the CPU time of the harness and of a spawned server is read (`/proc` on Linux,
//! the system elsewhere); a run that looks self-limited says so. Also: the progress bar.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::task::JoinHandle;

/// How often the lag ticker asks to be woken.
const TICK: Duration = Duration::from_millis(5);
/// Event-loop lag (p99) from which the harness is suspected of saturating itself.
pub const LAG_LIMIT: Duration = Duration::from_millis(10);
/// Share of its worker threads' time the harness may use before it is suspected.
pub const CPU_LIMIT: f64 = 0.9;

/// CPU seconds (user + system) used so far by `pid`, or by this process; `None` when it
/// cannot be read or the process is gone.
pub fn cpu_seconds(pid: Option<u32>) -> Option<f64> {
    let pid = pid.unwrap_or_else(std::process::id);
    crate::procfs::process_cpu_time(pid).map(|t| t.as_secs_f64())
}

/// What the monitor measured over the traffic phase.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Usage {
    /// Cores the harness used on average (CPU seconds / wall seconds).
    pub harness_cores: f64,
    /// Cores a spawned server used on average, when known.
    pub server_cores: Option<f64>,
    /// How late the event loop woke a ticker: p99 and max, in milliseconds.
    pub lag_p99_ms: f64,
    /// The latest single wake-up of that ticker, in milliseconds: one long stall (a
    /// blocked worker thread) shows here even when the p99 is low.
    pub lag_max_ms: f64,
    /// The harness's worker threads.
    pub workers: usize,
}

impl Usage {
    /// Why the harness may have been the bottleneck, if it may.
    pub fn saturation_warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.lag_p99_ms >= LAG_LIMIT.as_secs_f64() * 1e3 {
            warnings.push(format!(
                "the harness may be saturating itself: its event loop ran {:.1} ms late (p99); \
                 latencies include that delay",
                self.lag_p99_ms
            ));
        }
        if self.harness_cores >= CPU_LIMIT * self.workers as f64 {
            warnings.push(format!(
                "the harness may be saturating itself: it used {:.2} of its {} worker threads' \
                 cores",
                self.harness_cores, self.workers
            ));
        }
        warnings
    }
}

/// Measures the traffic phase; [`Monitor::finish`] gives the [`Usage`].
#[derive(Debug)]
pub struct Monitor {
    started: Instant,
    harness_cpu: Option<f64>,
    server_cpu: Option<f64>,
    server_pid: Option<u32>,
    lag: JoinHandle<Histogram<u64>>,
    stop: tokio_util::sync::CancellationToken,
}

impl Monitor {
    /// Starts measuring; `server_pid` is a spawned server's process, if any.
    pub fn start(server_pid: Option<u32>) -> Monitor {
        let stop = tokio_util::sync::CancellationToken::new();
        let lag = tokio::spawn(measure_lag(stop.clone()));
        Monitor {
            started: Instant::now(),
            harness_cpu: cpu_seconds(None),
            server_cpu: server_pid.and_then(|pid| cpu_seconds(Some(pid))),
            server_pid,
            lag,
            stop,
        }
    }

    /// Stops measuring.
    pub async fn finish(self) -> Usage {
        let wall = self.started.elapsed().as_secs_f64().max(1e-9);
        let cores = |before: Option<f64>, pid| Some((cpu_seconds(pid)? - before?) / wall);
        let harness_cores = cores(self.harness_cpu, None).unwrap_or(0.0);
        let server_cores = self
            .server_pid
            .and_then(|pid| cores(self.server_cpu, Some(pid)));
        self.stop.cancel();
        let lag = self.lag.await.unwrap_or_else(|_| lag_histogram());
        let ms = |ns: u64| ns as f64 / 1e6;
        Usage {
            harness_cores,
            server_cores,
            lag_p99_ms: ms(lag.value_at_quantile(0.99)),
            lag_max_ms: ms(lag.max()),
            workers: tokio::runtime::Handle::current().metrics().num_workers(),
        }
    }
}

fn lag_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1_000, 60_000_000_000, 2).expect("valid lag histogram bounds")
}

/// Asks to be woken every [`TICK`] and records how late each wake-up is.
async fn measure_lag(stop: tokio_util::sync::CancellationToken) -> Histogram<u64> {
    let mut lag = lag_histogram();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let due = tokio::select! {
            () = stop.cancelled() => break,
            due = ticker.tick() => due,
        };
        let late = due.elapsed().as_nanos();
        lag.saturating_record(u64::try_from(late).unwrap_or(u64::MAX).max(1_000));
    }
    lag
}

/// A progress bar on stderr (only when it is a terminal and the report is for people).
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A progress bar, or nothing when `show` is false.
    pub fn new(show: bool) -> Progress {
        Progress {
            bar: show.then(ProgressBar::new_spinner),
        }
    }

    /// Shows phase `label`, whose count goes to `len`, reading the count from `read` ten
    /// times a second until the returned handle is dropped.
    pub fn follow(
        &self,
        label: &'static str,
        len: u64,
        read: impl Fn() -> u64 + Send + 'static,
    ) -> Option<PhaseGuard> {
        let bar = self.bar.clone()?;
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>10} [{bar:30}] {human_pos}/{human_len} {per_sec} {elapsed}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(label);
        bar.reset();
        bar.set_length(len);
        let task = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(Duration::from_millis(100));
            loop {
                ticker.tick().await;
                bar.set_position(read());
            }
        });
        Some(PhaseGuard(task))
    }

    /// Removes the bar.
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Stops a phase's progress updates when dropped.
#[derive(Debug)]
pub struct PhaseGuard(JoinHandle<()>);

impl Drop for PhaseGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_used_some_cpu() {
        let spent = cpu_seconds(None).expect("/proc/self/stat is readable on Linux");
        assert!(spent >= 0.0);
    }

    #[test]
    fn saturation_is_suspected_from_lag_or_cpu() {
        let calm = Usage {
            harness_cores: 0.5,
            server_cores: None,
            lag_p99_ms: 1.0,
            lag_max_ms: 3.0,
            workers: 2,
        };
        assert!(calm.saturation_warnings().is_empty());
        let lagging = Usage {
            lag_p99_ms: 25.0,
            ..calm
        };
        assert_eq!(lagging.saturation_warnings().len(), 1);
        let busy = Usage {
            harness_cores: 1.9,
            ..calm
        };
        assert_eq!(busy.saturation_warnings().len(), 1);
    }
}
