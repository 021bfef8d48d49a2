//! `--max-clients` (LIMIT-1): a fixed number of connection slots, each held by one
//! connection for its whole life and given back when it ends.
//!
//! The seed has no limit: every connection gets a thread, so a flood of connections is a
//! flood of threads. Here the accept loop takes a [`Slot`] before it starts a handler; when
//! none is free the connection is turned away at once, without a thread. The slot is moved
//! into the handler and freed by `Drop`, so no path out of a handler (a leave, an error, a
//! panic) can forget to give it back.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The connection counter behind `--max-clients`, shared by the accept loop (which takes
/// slots) and every [`Slot`] (which gives its own back).
#[derive(Debug)]
pub struct Slots {
    live: AtomicUsize,
    max: usize,
}

impl Slots {
    /// `max` free slots.
    pub fn new(max: usize) -> Slots {
        Slots {
            live: AtomicUsize::new(0),
            max,
        }
    }

    /// Takes a free slot, or `None` when all `max` are held. Never blocks.
    pub fn try_acquire(self: &Arc<Self>) -> Option<Slot> {
        self.live
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(Arc::clone(self)))
    }
}

/// One live connection counted against `--max-clients`; the count goes down when it is
/// dropped (when the connection's handler ends).
#[derive(Debug)]
pub struct Slot(Arc<Slots>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_1_no_more_than_max_slots_and_a_dropped_one_is_free_again() {
        let slots = Arc::new(Slots::new(2));
        let first = slots.try_acquire().expect("first slot");
        let _second = slots.try_acquire().expect("second slot");
        assert!(slots.try_acquire().is_none(), "all slots held");
        drop(first);
        assert!(slots.try_acquire().is_some(), "the dropped slot is free");
    }
}
