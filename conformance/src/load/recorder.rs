//! Latency recording: one HDR histogram for the whole run, and one coarser histogram per
//! time bin for the "latency over the run" plot.
//!
//! Receivers do not touch the shared recorder for every delivery: each keeps a small batch
//! ([`Batch`]) and hands it over when it is full, so 2,000 receivers on two threads barely
//! contend for the lock.

use std::sync::Mutex;
use std::time::Duration;

use hdrhistogram::Histogram;

/// Lowest and highest latencies told apart, in nanoseconds (1 µs .. 10 min).
const LOWEST_NS: u64 = 1_000;
const HIGHEST_NS: u64 = 600_000_000_000;
/// Width of one bin of the timeline.
pub const BIN: Duration = Duration::from_millis(100);
/// Bins kept; later receipts go into the last one (an hour of run).
const MAX_BINS: usize = 36_000;
/// Receipts a receiver keeps before handing them to the recorder.
pub const BATCH: usize = 1024;

/// Summary of one time bin of the run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinSummary {
    /// Start of the bin, seconds since the first message was sent.
    pub at_s: f64,
    /// First receipts that arrived during the bin (each [`BIN`] long).
    pub deliveries: u64,
    /// Median latency of those receipts, in ns, to 2 significant figures; 0 for an empty
    /// bin.
    pub p50_ns: u64,
    /// 99th-percentile latency of those receipts, in ns, to 2 significant figures; 0 for an
    /// empty bin.
    pub p99_ns: u64,
    /// Highest latency of those receipts, in ns; 0 for an empty bin.
    pub max_ns: u64,
}

/// Receipts of one receiver not yet handed to the recorder: (received at, latency), in ns.
pub type Batch = Vec<(u64, u64)>;

/// The shared latency recorder.
#[derive(Debug)]
pub struct Recorder {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    total: Histogram<u64>,
    bins: Vec<Histogram<u64>>,
    /// Receipt times are counted from here (the first send), in ns since the run's base.
    origin_ns: u64,
}

fn histogram(sigfig: u8) -> Histogram<u64> {
    Histogram::new_with_bounds(LOWEST_NS, HIGHEST_NS, sigfig)
        .expect("the latency histogram bounds are valid")
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            inner: Mutex::new(Inner {
                total: histogram(3),
                bins: Vec::new(),
                origin_ns: 0,
            }),
        }
    }
}

impl Recorder {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        crate::sync::lock(&self.inner)
    }

    /// Sets the start of the timeline (ns since the run's base); earlier receipts go into
    /// its first bin.
    pub fn set_origin(&self, origin_ns: u64) {
        self.lock().origin_ns = origin_ns;
    }

    /// Takes every receipt of `batch`, leaving it empty.
    pub fn take(&self, batch: &mut Batch) {
        if batch.is_empty() {
            return;
        }
        let mut inner = self.lock();
        let origin = inner.origin_ns;
        for (at, latency) in batch.drain(..) {
            let latency = latency.clamp(LOWEST_NS, HIGHEST_NS);
            inner.total.saturating_record(latency);
            let bin = (at.saturating_sub(origin) / BIN.as_nanos() as u64) as usize;
            let bin = bin.min(MAX_BINS - 1);
            if inner.bins.len() <= bin {
                inner.bins.resize_with(bin + 1, || histogram(2));
            }
            inner.bins[bin].saturating_record(latency);
        }
    }

    /// The latency at quantile `q` (0..=1) over the whole run, in ns (0 when empty).
    pub fn quantile(&self, q: f64) -> u64 {
        let inner = self.lock();
        if inner.total.is_empty() {
            0
        } else {
            inner.total.value_at_quantile(q)
        }
    }

    /// Mean and maximum latency over the whole run, in ns, and how many were recorded.
    pub fn mean_max_count(&self) -> (f64, u64, u64) {
        let inner = self.lock();
        (inner.total.mean(), inner.total.max(), inner.total.len())
    }

    /// The timeline, one summary per bin (empty bins included, so time is uniform).
    pub fn timeline(&self) -> Vec<BinSummary> {
        let inner = self.lock();
        inner
            .bins
            .iter()
            .enumerate()
            .map(|(i, h)| BinSummary {
                at_s: i as f64 * BIN.as_secs_f64(),
                deliveries: h.len(),
                p50_ns: if h.is_empty() {
                    0
                } else {
                    h.value_at_quantile(0.5)
                },
                p99_ns: if h.is_empty() {
                    0
                } else {
                    h.value_at_quantile(0.99)
                },
                max_ns: h.max(),
            })
            .collect()
    }

    /// The latency distribution as (quantile, ns) points, dense towards the tail, for a
    /// percentile plot; the last point is (1, the maximum), the slowest delivery the report
    /// gives, so the curve ends where the report says.
    pub fn distribution(&self) -> Vec<(f64, u64)> {
        let inner = self.lock();
        if inner.total.is_empty() {
            return Vec::new();
        }
        // q = 1 - 10^(-x) for x from 0 to 5 in small steps: 0, …, 90%, …, 99%, …, 99.999%.
        (0..250)
            .map(|i| {
                let q = 1.0 - 10f64.powf(-(i as f64) / 50.0);
                (q, inner.total.value_at_quantile(q))
            })
            .chain([(1.0, inner.total.max())])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_feed_the_total_and_the_bins() {
        let r = Recorder::default();
        r.set_origin(1_000_000_000);
        let mut batch: Batch = vec![
            (1_000_000_000, 100_000),
            (1_050_000_000, 300_000),
            (1_250_000_000, 2_000_000),
        ];
        r.take(&mut batch);
        assert!(batch.is_empty());
        let (_, max, count) = r.mean_max_count();
        assert_eq!(count, 3);
        assert!((1_990_000..=2_010_000).contains(&max), "{max}");
        let timeline = r.timeline();
        assert_eq!(timeline.len(), 3);
        assert_eq!(
            timeline.iter().map(|b| b.deliveries).collect::<Vec<_>>(),
            [2, 0, 1]
        );
        let dist = r.distribution();
        assert_eq!(dist.first().map(|d| d.0), Some(0.0));
        assert!(dist.windows(2).all(|w| w[0].1 <= w[1].1));
        let (_, max, _) = r.mean_max_count();
        assert_eq!(dist.last(), Some(&(1.0, max)));
    }
}
