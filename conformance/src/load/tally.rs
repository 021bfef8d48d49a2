//! Counting, exactly: which of a sender's messages one receiver has seen ([`SeqTracker`]),
//! and shared counters that wake a waiter when they reach a target ([`Milestone`]).
//!
//! A receiver keeps one [`SeqTracker`] per sender. A correct server delivers each sender's
//! messages in order (ORDER-1), so the tracker is one number — the next sequence number
//! expected — plus a set of the numbers that arrived early, which stays empty unless the
//! server reorders or loses. Memory therefore grows only with what the server gets wrong.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// What one receiver has seen of one sender's messages `0, 1, 2, …`.
#[derive(Debug, Default, Clone)]
pub struct SeqTracker {
    /// Every number below this one has been received.
    next: u64,
    /// Numbers above `next` received early (after a gap).
    ahead: BTreeSet<u64>,
}

/// The verdict on one receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    /// The first time this receiver sees this message.
    First,
    /// Seen before: the server delivered it twice.
    Duplicate,
}

impl SeqTracker {
    /// Records the receipt of message `seq`.
    pub fn record(&mut self, seq: u64) -> Receipt {
        if seq < self.next || self.ahead.contains(&seq) {
            return Receipt::Duplicate;
        }
        if seq == self.next {
            self.next += 1;
            while self.ahead.remove(&self.next) {
                self.next += 1;
            }
        } else {
            self.ahead.insert(seq);
        }
        Receipt::First
    }

    /// True when message `seq` was received.
    pub fn has(&self, seq: u64) -> bool {
        seq < self.next || self.ahead.contains(&seq)
    }

    /// How many distinct messages numbered below `sent` were received.
    pub fn unique_below(&self, sent: u64) -> u64 {
        self.next.min(sent) + self.ahead.range(..sent).count() as u64
    }
}

/// A shared count with a target: [`add`](Self::add) wakes [`wait`](Self::wait) when the
/// target is reached, so waiting for "every delivery arrived" needs no polling.
#[derive(Debug, Default)]
pub struct Milestone {
    value: AtomicU64,
    target: AtomicU64,
    changed: Notify,
}

impl Milestone {
    /// Sets the value to reach.
    pub fn set_target(&self, target: u64) {
        self.target.store(target, Ordering::SeqCst);
        self.changed.notify_one();
    }

    /// Adds `n`; wakes the waiter when this addition reaches the target.
    pub fn add(&self, n: u64) {
        if n == 0 {
            return;
        }
        let before = self.value.fetch_add(n, Ordering::SeqCst);
        let target = self.target.load(Ordering::SeqCst);
        if before < target && before + n >= target {
            self.changed.notify_one();
        }
    }

    /// The count so far.
    pub fn get(&self) -> u64 {
        self.value.load(Ordering::SeqCst)
    }

    /// True once the count has reached the target.
    pub fn reached(&self) -> bool {
        self.get() >= self.target.load(Ordering::SeqCst)
    }

    /// Waits until the target is reached (true), or until the count has not moved for
    /// `idle` (false: what is missing is not coming).
    pub async fn wait(&self, idle: Duration) -> bool {
        loop {
            if self.reached() {
                return true;
            }
            let before = self.get();
            if tokio::time::timeout(idle, self.changed.notified())
                .await
                .is_err()
                && self.get() == before
            {
                return self.reached();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_receipts_are_first_and_repeats_are_duplicates() {
        let mut t = SeqTracker::default();
        for seq in 0..5 {
            assert_eq!(t.record(seq), Receipt::First);
        }
        assert_eq!(t.record(3), Receipt::Duplicate);
        assert!(t.has(4) && !t.has(5));
        assert_eq!(t.unique_below(5), 5);
        assert_eq!(t.unique_below(3), 3);
    }

    #[test]
    fn a_gap_is_lost_until_it_arrives_late() {
        let mut t = SeqTracker::default();
        for seq in [0, 1, 3, 4] {
            assert_eq!(t.record(seq), Receipt::First);
        }
        assert_eq!(t.unique_below(5), 4, "2 is missing");
        assert_eq!(t.record(4), Receipt::Duplicate);
        assert_eq!(t.record(2), Receipt::First);
        assert_eq!(t.unique_below(5), 5);
        assert!(t.ahead.is_empty());
    }

    #[tokio::test]
    async fn milestone_wakes_its_waiter_and_gives_up_when_idle() {
        let m = std::sync::Arc::new(Milestone::default());
        m.set_target(3);
        let adder = {
            let m = m.clone();
            tokio::spawn(async move {
                m.add(1);
                m.add(2);
            })
        };
        assert!(m.wait(Duration::from_secs(10)).await);
        adder.await.unwrap();
        m.set_target(10);
        assert!(!m.wait(Duration::from_millis(20)).await);
    }
}
