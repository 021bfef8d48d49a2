//! The one lock helper every module uses: a `Mutex` that a panicking task cannot poison for
//! the rest of the run.

use std::sync::{Mutex, MutexGuard};

/// Locks a mutex even if a task panicked while holding it: the data behind our locks (names,
/// transcript lines, output tails) stays consistent line by line, and a report is better
/// than a second panic.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
