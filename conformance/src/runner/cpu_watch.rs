//! Watches a spawned server's CPU time while a test runs, to tell a server that is waiting
//! from one that is spinning.
//!
//! Every [`WINDOW`] the watcher reads the server's CPU time (`/proc/<pid>/stat`). A server
//! waiting for input uses none at all; a handler stuck in a busy loop (the classic
//! `while True: data = recv()` that never sees `b""` as the end) uses a whole core when it
//! can, and on a machine loaded by twenty other processes still gets its fair share, a few
//! percent. So the signal is "used at least [`BUSY_CPU`] in the test's last second, while
//! the test was waiting for it": far above an idle server's nothing, far below a starved
//! spinner's share. This is observation on a timer, not synchronisation: nothing waits for
//! it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use crate::procfs::process_cpu_time;

/// How often the CPU time is read.
const WINDOW: Duration = Duration::from_millis(100);
/// The trailing windows judged: one second.
const JUDGED: usize = 10;
/// CPU time in the judged second that makes a server busy: 2 % of a core.
const BUSY_CPU: Duration = Duration::from_millis(20);

/// What the watcher saw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuUse {
    /// CPU time over the whole test.
    pub cpu: Duration,
    /// Wall time over the whole test.
    pub wall: Duration,
    /// True when the server used at least [`BUSY_CPU`] in the last second.
    pub busy_at_end: bool,
}

/// A running watcher; [`CpuWatch::stop`] ends it.
pub struct CpuWatch {
    pid: u32,
    started: Instant,
    first: Duration,
    /// The CPU time read at the end of each of the last windows, oldest first.
    windows: Arc<Mutex<VecDeque<Duration>>>,
    task: JoinHandle<()>,
}

impl CpuWatch {
    /// Starts watching `pid`; `None` when its CPU time cannot be read (not Linux, gone).
    pub fn start(pid: u32) -> Option<CpuWatch> {
        let first = process_cpu_time(pid)?;
        let windows = Arc::new(Mutex::new(VecDeque::from([first])));
        let seen = Arc::clone(&windows);
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(WINDOW);
            tick.tick().await; // the first tick is immediate
            loop {
                tick.tick().await;
                let Some(now) = process_cpu_time(pid) else {
                    return;
                };
                record(&seen, now);
            }
        });
        Some(CpuWatch {
            pid,
            started: Instant::now(),
            first,
            windows,
            task,
        })
    }

    /// Stops watching; `None` when the server is gone.
    pub fn stop(self) -> Option<CpuUse> {
        self.task.abort();
        let cpu = process_cpu_time(self.pid)?.saturating_sub(self.first);
        let windows = crate::sync::lock(&self.windows);
        Some(CpuUse {
            cpu,
            wall: self.started.elapsed(),
            busy_at_end: judge(&windows),
        })
    }
}

fn record(windows: &Mutex<VecDeque<Duration>>, cpu: Duration) {
    let mut windows = crate::sync::lock(windows);
    if windows.len() > JUDGED {
        windows.pop_front();
    }
    windows.push_back(cpu);
}

/// At least [`BUSY_CPU`] used over the last [`JUDGED`] windows (and there were that many).
fn judge(windows: &VecDeque<Duration>) -> bool {
    match (windows.front(), windows.back()) {
        (Some(first), Some(last)) if windows.len() > JUDGED => {
            last.saturating_sub(*first) >= BUSY_CPU
        }
        _ => false,
    }
}

impl CpuUse {
    /// The note for a failing test's report, when the server was spinning.
    pub fn note(&self) -> Option<String> {
        self.busy_at_end.then(|| {
            let cores = self.cpu.as_secs_f64() / self.wall.as_secs_f64().max(0.001);
            format!(
                "the server process was using CPU without pause at the end of this test, while \
                 the test waited for it ({:.1}s of CPU in {:.1}s, {:.0}% of a core): it is \
                 probably spinning in a busy loop, e.g. a handler that keeps calling recv() \
                 after it returned b\"\" (the client closed) instead of ending",
                self.cpu.as_secs_f64(),
                self.wall.as_secs_f64(),
                cores * 100.0
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_server_busy_in_the_last_second_is_called_busy() {
        let ms = Duration::from_millis;
        let windows = Mutex::new(VecDeque::from([ms(0)]));
        let judged = || judge(&crate::sync::lock(&windows));
        // A starved spinner: 3 ms in each window.
        for i in 1..JUDGED as u64 {
            record(&windows, ms(3 * i));
        }
        assert!(!judged(), "too few windows");
        record(&windows, ms(30));
        assert!(judged());
        // Then idle for a second: no longer busy.
        for _ in 0..JUDGED - 3 {
            record(&windows, ms(30));
        }
        assert!(!judged(), "idle at the end");
    }

    #[test]
    fn the_note_names_the_busy_loop() {
        let idle = CpuUse {
            cpu: Duration::from_millis(10),
            wall: Duration::from_secs(2),
            busy_at_end: false,
        };
        assert_eq!(idle.note(), None);
        let spinning = CpuUse {
            busy_at_end: true,
            cpu: Duration::from_secs(1),
            ..idle
        };
        let note = spinning.note().unwrap();
        assert!(note.contains("50% of a core"), "{note}");
        assert!(note.contains("busy loop"), "{note}");
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_spinning_process_is_seen_busy() {
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
        // Wait, bounded, for the watcher's windows to fill (an observable event).
        let deadline = Instant::now() + Duration::from_secs(10);
        while crate::sync::lock(&watch.windows).len() <= JUDGED && Instant::now() < deadline {
            tokio::time::sleep(WINDOW).await;
        }
        let seen = watch.stop().unwrap();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        spinner.join().unwrap();
        assert!(seen.busy_at_end, "{seen:?}");
        assert!(seen.cpu > Duration::ZERO);
    }
}
