//! Starting the server's threads: the one place that gives each thread its name and its
//! small stack.
//!
//! The seed starts `ClientHandler(...).start()` with Python's defaults. Here every thread is
//! started through [`spawn`], for two reasons:
//! - **A name** (`client-7`, `writer-7`): it shows in `top -H`, in debuggers and in
//!   panic messages, so a stuck or crashed thread says whose it was.
//! - **A small stack** ([`THREAD_STACK_SIZE`]): a thousand clients means two thousand threads
//!   (a reader and a writer each), and at the default 2 MiB or 8 MiB each, address space and
//!   touched stack pages would add up. These threads only hold small frames; the line
//!   buffers live on the heap.

use std::io;
use std::thread::{self, JoinHandle};

/// Stack size of every thread the server starts. Enough for its small frames, with room to
/// spare; the line buffers are on the heap.
pub const THREAD_STACK_SIZE: usize = 128 * 1024;

/// Starts a thread called `name`, with a [`THREAD_STACK_SIZE`] stack, running `body`.
///
/// Fails only when the system cannot create another thread (out of memory, or a limit on
/// threads); `body` is then dropped without running, and with it whatever it owned.
pub fn spawn<T, F>(name: String, body: F) -> io::Result<JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    thread::Builder::new()
        .name(name)
        .stack_size(THREAD_STACK_SIZE)
        .spawn(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thread_carries_its_name_and_returns_its_result() {
        let handle = spawn("probe-1".to_owned(), || {
            thread::current().name().map(str::to_owned)
        })
        .expect("spawn a thread");
        assert_eq!(handle.join().expect("no panic"), Some("probe-1".to_owned()));
    }
}
