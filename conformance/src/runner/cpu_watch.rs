//! Watches a spawned server's CPU use while a test runs, to tell a server that is waiting
//! from one that is spinning (the classic `while True: data = recv()` that never sees `b""`
//! as the end).
//!
//! The signal is sustained demand once the test's traffic has ended: over at least
//! [`QUIET_SPAN`] after the last thing any user sent or received, the server used, or was
//! runnable and waiting for, at least [`SPINNING_SHARE`] of one core. A server waiting for
//! input asks for nothing; a busy-but-healthy server uses a few percent while traffic
//! flows, and nothing once it stops. CPU time plus run-queue wait (`schedstat`) is what a
//! busy loop asks for even on a machine loaded by twenty other processes, where it gets
//! only a small share of a core.
//!
//! Every [`WINDOW`] the watcher reads the server's CPU time from `/proc`. A test that failed
//! after waiting (`nothing within 2s`) already has a quiet second in its samples; one that
//! failed right after its traffic is watched on after its body ended until it has one. The
//! run-queue wait is one file per thread, too costly for the timer (reading it for hundreds
//! of threads ten times a second slowed the reference server down): it is read only to
//! judge a server whose CPU time alone is ambiguous. This is observation on a timer, not
//! synchronisation: nothing else waits for it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use crate::procfs::{process_cpu_time, process_run_delay};

/// How often the server is sampled.
const WINDOW: Duration = Duration::from_millis(100);
/// Samples kept: a little over [`QUIET_SPAN`].
const KEPT: usize = 12;
/// The quiet time judged, after the test's traffic ended.
const QUIET_SPAN: Duration = Duration::from_secs(1);
/// The share of one core (used or waited for) over the quiet span that makes a server
/// spinning.
const SPINNING_SHARE: f64 = 0.5;
/// The share of one core used over the quiet span above which a server is watched again,
/// its run-queue wait counted: far above a waiting server's nothing and a healthy server's
/// 1–2 %.
const STARVED_SHARE: f64 = 0.05;

/// One reading of the server's CPU use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// When it was read.
    pub at: Instant,
    /// CPU time used so far, all threads.
    pub cpu: Duration,
    /// Time spent runnable but waiting for a CPU so far, all threads (zero where the
    /// kernel does not say).
    pub waited: Duration,
}

impl Sample {
    /// Reads `pid`'s CPU time now (cheap: one file), with the run-queue wait only when
    /// `with_wait` (one file per thread, so only twice per judgement, never on the timer);
    /// `None` when its CPU time cannot be read (it is gone).
    fn read(pid: u32, with_wait: bool) -> Option<Sample> {
        Some(Sample {
            at: Instant::now(),
            cpu: process_cpu_time(pid)?,
            waited: if with_wait {
                process_run_delay(pid).unwrap_or_default()
            } else {
                Duration::ZERO
            },
        })
    }
}

/// What the watcher saw of a failing test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuUse {
    /// The quiet span judged.
    pub span: Duration,
    /// CPU time used in it.
    pub cpu: Duration,
    /// CPU time used or waited for in it.
    pub demand: Duration,
    /// Whether that demand makes the server spinning.
    pub spinning: bool,
}

/// A running watcher; [`CpuWatch::judge_failure`] ends it.
pub struct CpuWatch {
    pid: u32,
    samples: Arc<Mutex<VecDeque<Sample>>>,
    task: JoinHandle<()>,
}

impl CpuWatch {
    /// Starts watching `pid`; `None` when its CPU time cannot be read (it is gone).
    pub fn start(pid: u32) -> Option<CpuWatch> {
        let first = Sample::read(pid, false)?;
        let samples = Arc::new(Mutex::new(VecDeque::from([first])));
        let seen = Arc::clone(&samples);
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(WINDOW);
            tick.tick().await; // the first tick is immediate
            loop {
                tick.tick().await;
                let Some(now) = Sample::read(pid, false) else {
                    return;
                };
                let mut samples = crate::sync::lock(&seen);
                if samples.len() == KEPT {
                    samples.pop_front();
                }
                samples.push_back(now);
            }
        });
        Some(CpuWatch { pid, samples, task })
    }

    /// Ends the watch of a test that failed, whose users' traffic ended at `quiet_since`:
    /// judges the server's CPU time over [`QUIET_SPAN`] from then, watching on for
    /// whatever part of that span is still to come. A server that used some CPU but less
    /// than [`SPINNING_SHARE`] may be a spinner starved by a loaded machine: it is watched
    /// for one more span, counting the time its threads waited for a CPU too. `None` when
    /// the server is gone.
    pub async fn judge_failure(self, quiet_since: Instant) -> Option<CpuUse> {
        self.task.abort();
        let base = crate::sync::lock(&self.samples)
            .iter()
            .find(|s| s.at >= quiet_since)
            .copied();
        let base = match base {
            Some(base) => base,
            None => Sample::read(self.pid, false)?,
        };
        let missing = QUIET_SPAN.saturating_sub(base.at.elapsed());
        if !missing.is_zero() {
            tokio::time::sleep(missing).await;
        }
        let seen = judge(&base, &Sample::read(self.pid, false)?);
        if seen.spinning || !seen.may_be_starved() {
            return Some(seen);
        }
        let base = Sample::read(self.pid, true)?;
        tokio::time::sleep(QUIET_SPAN).await;
        Some(judge(&base, &Sample::read(self.pid, true)?))
    }
}

/// The decision: over the span from `base` to `end`, at least [`QUIET_SPAN`] long, did the
/// server use or wait for at least [`SPINNING_SHARE`] of a core?
pub fn judge(base: &Sample, end: &Sample) -> CpuUse {
    let span = end.at.saturating_duration_since(base.at);
    let cpu = end.cpu.saturating_sub(base.cpu);
    let demand = cpu + end.waited.saturating_sub(base.waited);
    let spinning =
        span >= QUIET_SPAN && demand.as_secs_f64() >= span.as_secs_f64() * SPINNING_SHARE;
    CpuUse {
        span,
        cpu,
        demand,
        spinning,
    }
}

impl CpuUse {
    /// Whether the server used enough CPU over the span to be a spinner that a loaded
    /// machine starved ([`STARVED_SHARE`] of a core or more), though not enough to say so
    /// from CPU time alone.
    fn may_be_starved(&self) -> bool {
        self.cpu.as_secs_f64() >= self.span.as_secs_f64() * STARVED_SHARE
    }

    /// The note for a failing test's report, when the server was spinning.
    pub fn note(&self) -> Option<String> {
        self.spinning.then(|| {
            let span = self.span.as_secs_f64().max(0.001);
            let waited = self.demand.saturating_sub(self.cpu);
            let waited = if waited.is_zero() {
                String::new()
            } else {
                format!(
                    " and its threads waited {:.2}s more for a CPU",
                    waited.as_secs_f64()
                )
            };
            format!(
                "the server process kept using CPU after this test's traffic had ended: in \
                 the {span:.1}s after it, it used {:.2}s of CPU ({:.0}% of a core){waited}: it \
                 is probably spinning in a busy loop, e.g. a handler that keeps calling recv() \
                 after it returned b\"\" (the client closed) instead of ending",
                self.cpu.as_secs_f64(),
                self.cpu.as_secs_f64() / span * 100.0,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sample `ms` milliseconds after `t0` with `cpu` and `waited` milliseconds so far.
    fn at(t0: Instant, ms: u64, cpu: u64, waited: u64) -> Sample {
        Sample {
            at: t0 + Duration::from_millis(ms),
            cpu: Duration::from_millis(cpu),
            waited: Duration::from_millis(waited),
        }
    }

    #[test]
    fn only_sustained_demand_after_the_traffic_is_spinning() {
        let t0 = Instant::now();
        let base = at(t0, 0, 500, 100);
        // A busy-but-healthy server: 1–2 % of a core.
        assert!(!judge(&base, &at(t0, 1000, 515, 105)).spinning);
        assert!(!judge(&base, &at(t0, 1000, 520, 100)).spinning);
        // A spinner with a core to itself.
        assert!(judge(&base, &at(t0, 1000, 1480, 110)).spinning);
        // A starved spinner on a loaded machine: little CPU, but runnable all along.
        assert!(judge(&base, &at(t0, 1000, 620, 900)).spinning);
        // Just under half a core over two seconds.
        assert!(!judge(&base, &at(t0, 2000, 1400, 190)).spinning);
        // Busy, but not for a whole second.
        assert!(!judge(&base, &at(t0, 600, 1100, 100)).spinning);
        // Only some CPU is ambiguous, and watched again with its wait counted.
        assert!(judge(&base, &at(t0, 1000, 620, 100)).may_be_starved());
        assert!(!judge(&base, &at(t0, 1000, 520, 100)).may_be_starved());
    }

    #[test]
    fn the_note_names_the_busy_loop_only_when_spinning() {
        let t0 = Instant::now();
        let idle = judge(&at(t0, 0, 0, 0), &at(t0, 1000, 10, 0));
        assert_eq!(idle.note(), None);
        let spinning = judge(&at(t0, 0, 0, 0), &at(t0, 1000, 400, 500));
        let note = spinning.note().unwrap();
        assert!(note.contains("(40% of a core)"), "{note}");
        assert!(note.contains("waited 0.50s more"), "{note}");
        assert!(note.contains("busy loop"), "{note}");
        let alone = judge(&at(t0, 0, 0, 0), &at(t0, 1000, 900, 0))
            .note()
            .unwrap();
        assert!(!alone.contains("waited"), "{alone}");
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_spinning_process_is_seen_spinning() {
        // This test's own process, kept busy by a spinning thread until the watch ends.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let spin = Arc::clone(&stop);
        let spinner = std::thread::spawn(move || {
            let mut x = 0_u64;
            while !spin.load(std::sync::atomic::Ordering::Relaxed) {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        });
        let watch = CpuWatch::start(std::process::id()).unwrap();
        // Nothing sampled after "now" yet: the watch goes on for the quiet span itself.
        let seen = watch.judge_failure(Instant::now()).await.unwrap();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        spinner.join().unwrap();
        assert!(seen.spinning, "{seen:?}");
        assert!(seen.span >= QUIET_SPAN, "{seen:?}");
    }
}
