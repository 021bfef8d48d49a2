//! The listening socket and the accept loop: the seed's `ChatServer` class and its
//! `start()` (`while True: conn, addr = self.server.accept(); ClientHandler(...).start()`).
//!
//! Differences from the seed, each for a reason:
//! - `--max-clients` is enforced here, before any thread is spawned: a connection over the
//!   limit gets `ERROR: server is full (N clients)` and is closed on the spot (LIMIT-1), so a
//!   flood of connections cannot create a flood of threads.
//! - Threads are named (`client-7`, `writer-7`: readable in `top -H` and in panics) and get a
//!   small stack, since a thousand clients means two thousand threads.
//! - The accept loop never reads from a client: a client that connects and never sends its
//!   name only occupies its own thread (JOIN-6), until the name timeout closes it (LIMIT-2).
//!   So a flood of connections that never send a name costs at most `--max-clients`
//!   threads, for at most `--name-timeout` seconds each; users already in the room never
//!   notice it.
//! - The seed's `while True: accept()` dies on the first accept error, or spins on it. Here
//!   an accept error is logged (the first one, then a count once a second) and the loop
//!   backs off, up to [`MAX_BACKOFF`]. Running out of file descriptors (`EMFILE`) is the
//!   common one under a flood: the loop keeps one descriptor in reserve, and spends it on
//!   the waiting client to tell it `ERROR: server is full` and close it, instead of leaving
//!   it hanging in the listen backlog.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use chat_protocol::wording;

use crate::client_handler::ClientHandler;
use crate::config::Config;
use crate::outbox::encode;
use crate::room::{ClientId, Room};

/// Stack size of every client thread (reader and writer). They only hold small frames; the
/// line buffers live on the heap.
pub const THREAD_STACK_SIZE: usize = 128 * 1024;

/// The first pause after a failed accept; it doubles while accepts keep failing.
const MIN_BACKOFF: Duration = Duration::from_millis(5);
/// The longest pause between two accepts that fail.
pub const MAX_BACKOFF: Duration = Duration::from_millis(200);
/// At most one log line per this long while accepts keep failing.
const LOG_EVERY: Duration = Duration::from_secs(1);
/// `EMFILE` and `ENFILE` (Linux and the BSDs): out of file descriptors, for this process or
/// for the whole system.
const OUT_OF_FDS: [i32; 2] = [24, 23];

/// The server: a bound listener, the room, and the settings.
#[derive(Debug)]
pub struct ChatServer {
    listener: TcpListener,
    room: Arc<Room>,
    config: Arc<Config>,
    slots: Arc<Slots>,
    /// Opened with the listener, so the descriptor count is steady from the moment the
    /// server announces its address.
    reserve: Reserve,
}

impl ChatServer {
    /// Binds `config.host:config.port` (port 0 picks a free port; see
    /// [`local_addr`](Self::local_addr)). Nothing is accepted until [`run`](Self::run).
    pub fn bind(config: Config) -> io::Result<ChatServer> {
        let listener = TcpListener::bind((config.host.as_str(), config.port))?;
        let slots = Arc::new(Slots {
            live: AtomicUsize::new(0),
            max: config.max_clients,
        });
        Ok(ChatServer {
            listener,
            room: Arc::new(Room::new()),
            config: Arc::new(config),
            slots,
            reserve: Reserve::open(),
        })
    }

    /// The address actually bound, with the real port.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The room, e.g. to look at it from a test.
    pub fn room(&self) -> &Arc<Room> {
        &self.room
    }

    /// The accept loop: one [`ClientHandler`] thread per connection, forever.
    ///
    /// Accept errors (a client that reset before we accepted it, running out of file
    /// descriptors) are logged and the loop goes on after a pause; it never returns.
    pub fn run(mut self) -> ! {
        let mut next_id = 0_u64;
        let mut failures = AcceptFailures::default();
        let mut reserve = std::mem::replace(&mut self.reserve, Reserve(None));
        loop {
            match self.listener.accept() {
                Ok((stream, peer)) => {
                    failures.recovered();
                    reserve.refill();
                    next_id += 1;
                    self.admit(stream, peer, next_id);
                }
                Err(e) => {
                    failures.failed(&e);
                    let out_of_fds = OUT_OF_FDS.contains(&e.raw_os_error().unwrap_or(0));
                    if out_of_fds && self.shed_one(&mut reserve) {
                        continue; // a waiting client was told: see whether more wait
                    }
                    // Give the other threads a moment to free descriptors or memory instead
                    // of spinning on the same error.
                    thread::sleep(failures.backoff());
                }
            }
        }
    }

    /// Starts a handler thread for an accepted connection, or turns it away (LIMIT-1).
    fn admit(&self, stream: TcpStream, peer: SocketAddr, id: u64) {
        // Chat lines are small and interactive: send them now, don't wait to batch.
        let _ = stream.set_nodelay(true);
        let Some(slot) = self.slots.try_acquire() else {
            let max = self.config.max_clients;
            turn_away(stream, &format!("server is full ({max} clients)"));
            return;
        };
        let handler = ClientHandler::new(
            ClientId(id),
            stream,
            peer,
            Arc::clone(&self.room),
            Arc::clone(&self.config),
            slot,
        );
        let spawned = thread::Builder::new()
            .name(format!("client-{id}"))
            .stack_size(THREAD_STACK_SIZE)
            .spawn(move || handler.run());
        if let Err(e) = spawned {
            // The handler (socket and slot) was dropped with the closure: nothing leaks.
            eprintln!("reference-server: cannot start a thread for {peer}: {e}");
        }
    }

    /// Out of file descriptors: spends the reserve one on the client waiting in the
    /// backlog, to tell it the server is full, then takes it back. True when a client was
    /// turned away (so the backlog is drained at once, one client per round, never by
    /// spinning: each round serves a client).
    fn shed_one(&self, reserve: &mut Reserve) -> bool {
        if !reserve.release() {
            return false;
        }
        let shed = match self.listener.accept() {
            Ok((stream, _)) => {
                turn_away(stream, "server is full (no file descriptors left)");
                true
            }
            Err(_) => false,
        };
        reserve.refill();
        shed
    }
}

/// One file descriptor held back for [`ChatServer::shed_one`].
#[derive(Debug)]
struct Reserve(Option<File>);

impl Reserve {
    fn open() -> Reserve {
        let mut reserve = Reserve(None);
        reserve.refill();
        reserve
    }

    /// Takes the descriptor back if it is free (it may not be, right after running out).
    fn refill(&mut self) {
        if self.0.is_none() {
            self.0 = File::open("/dev/null").ok();
        }
    }

    /// Frees the descriptor; false if there was none to free.
    fn release(&mut self) -> bool {
        self.0.take().is_some()
    }
}

/// Accept errors in a row: how many, the back-off, and when they were last logged.
#[derive(Debug, Default)]
struct AcceptFailures {
    in_a_row: u64,
    unlogged: u64,
    logged_at: Option<Instant>,
}

impl AcceptFailures {
    /// Logs the first failure of a run at once, then a count at most every [`LOG_EVERY`].
    fn failed(&mut self, e: &io::Error) {
        self.in_a_row += 1;
        self.unlogged += 1;
        if self.logged_at.is_none_or(|at| at.elapsed() >= LOG_EVERY) {
            let repeats = match self.unlogged {
                1 => String::new(),
                n => format!(" ({n} times since the last report)"),
            };
            eprintln!("reference-server: accept failed: {e}{repeats}");
            self.unlogged = 0;
            self.logged_at = Some(Instant::now());
        }
    }

    fn recovered(&mut self) {
        if self.in_a_row > 0 {
            eprintln!(
                "reference-server: accepting again after {} failed accepts",
                self.in_a_row
            );
            *self = AcceptFailures::default();
        }
    }

    /// The pause before the next accept: doubles with each failure in a row, up to
    /// [`MAX_BACKOFF`].
    fn backoff(&self) -> Duration {
        let doublings = self.in_a_row.saturating_sub(1).min(16) as u32;
        MIN_BACKOFF.saturating_mul(1 << doublings).min(MAX_BACKOFF)
    }
}

/// LIMIT-1: tells a connection over the limit why (`reason`), and closes it, without a
/// thread.
///
/// The socket is put in non-blocking mode so that nothing here can stall the accept loop: the
/// line is tiny and the socket's send buffer empty, so the write goes through at once.
fn turn_away(stream: TcpStream, reason: &str) {
    let _ = stream.set_nonblocking(true);
    let _ = (&stream).write_all(&encode(&wording::error_line(reason)));
    let _ = stream.shutdown(Shutdown::Write);
    // Read what the client may already have sent (its name), so closing sends a clean FIN
    // rather than a reset. Bounded, and non-blocking.
    let mut buf = [0_u8; 4096];
    for _ in 0..16 {
        match (&stream).read(&mut buf) {
            Ok(n) if n > 0 => continue,
            _ => break,
        }
    }
}

/// The connection counter behind `--max-clients`.
#[derive(Debug)]
struct Slots {
    live: AtomicUsize,
    max: usize,
}

impl Slots {
    fn try_acquire(self: &Arc<Self>) -> Option<Slot> {
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
    fn the_backoff_doubles_up_to_its_bound_and_resets() {
        let mut failures = AcceptFailures::default();
        let error = io::Error::from_raw_os_error(OUT_OF_FDS[0]);
        failures.failed(&error);
        assert_eq!(failures.backoff(), MIN_BACKOFF);
        failures.failed(&error);
        assert_eq!(failures.backoff(), MIN_BACKOFF * 2);
        for _ in 0..100 {
            failures.failed(&error);
        }
        assert_eq!(failures.backoff(), MAX_BACKOFF);
        failures.recovered();
        failures.failed(&error);
        assert_eq!(failures.backoff(), MIN_BACKOFF);
    }

    #[test]
    fn the_reserve_is_released_once_and_refilled() {
        let mut reserve = Reserve::open();
        assert!(reserve.release());
        assert!(!reserve.release(), "nothing left to release");
        reserve.refill();
        assert!(reserve.release());
    }
}
