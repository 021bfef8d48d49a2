//! How much CPU the client uses while it should be idle: a receiver that loops on `recv()`
//! returning nothing after the server closed (`b""` in Python, 0 in C) burns a core. Counted
//! over the client's whole process tree (the shell that runs it, the interpreter, anything it
//! started), from `/proc`; off Linux nothing is measured.

use std::time::{Duration, Instant};

use crate::procfs::{process_cpu_time, process_run_delay};

/// The most of one core an idle client may use over a measuring window.
pub const IDLE_SHARE: f64 = 0.3;

/// `root` and its descendants, from `/proc/*/stat` (`ppid` is the fourth field).
fn tree(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                parents.push((pid, ppid));
            }
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    found
}

/// CPU demand so far of `root`'s process tree: time on a CPU, plus time runnable but
/// waiting for one (on a busy machine a busy loop gets a small share of a core and waits for
/// the rest); `None` when nothing can be read.
fn tree_cpu(root: u32) -> Option<Duration> {
    let times: Vec<Duration> = tree(root)
        .into_iter()
        .filter_map(|pid| {
            let cpu = process_cpu_time(pid)?;
            Some(cpu + process_run_delay(pid).unwrap_or_default())
        })
        .collect();
    (!times.is_empty()).then(|| times.into_iter().sum())
}

/// The share of one core `root`'s tree asked for over `window` (measured from now); `None` when
/// it cannot be measured (off Linux, or the client exited).
pub async fn share_over(root: u32, window: Duration) -> Option<f64> {
    let before = tree_cpu(root)?;
    let started = Instant::now();
    // A measuring window, not a wait for an event: CPU use is a rate.
    tokio::time::sleep(window).await;
    let after = tree_cpu(root)?;
    let elapsed = started.elapsed().as_secs_f64();
    Some(after.saturating_sub(before).as_secs_f64() / elapsed)
}
