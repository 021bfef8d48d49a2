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
//!   name only occupies its own thread (JOIN-6).

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use chat_protocol::wording;

use crate::client_handler::ClientHandler;
use crate::config::Config;
use crate::outbox::encode;
use crate::room::{ClientId, Room};

/// Stack size of every client thread (reader and writer). They only hold small frames; the
/// line buffers live on the heap.
pub const THREAD_STACK_SIZE: usize = 128 * 1024;

/// The server: a bound listener, the room, and the settings.
#[derive(Debug)]
pub struct ChatServer {
    listener: TcpListener,
    room: Arc<Room>,
    config: Arc<Config>,
    slots: Arc<Slots>,
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
    /// descriptors for a moment) are logged and the loop goes on; it never returns.
    pub fn run(self) -> ! {
        let mut next_id = 0_u64;
        loop {
            let (stream, peer) = match self.listener.accept() {
                Ok(accepted) => accepted,
                Err(e) => {
                    eprintln!("reference-server: accept failed: {e}");
                    // Out of descriptors or memory: give the other threads a moment to free
                    // some instead of spinning on the same error.
                    thread::sleep(Duration::from_millis(50));
                    continue;
                }
            };
            // Chat lines are small and interactive: send them now, don't wait to batch.
            let _ = stream.set_nodelay(true);

            let Some(slot) = self.slots.try_acquire() else {
                turn_away(stream, self.config.max_clients);
                continue;
            };
            next_id += 1;
            let handler = ClientHandler::new(
                ClientId(next_id),
                stream,
                peer,
                Arc::clone(&self.room),
                Arc::clone(&self.config),
                slot,
            );
            let spawned = thread::Builder::new()
                .name(format!("client-{next_id}"))
                .stack_size(THREAD_STACK_SIZE)
                .spawn(move || handler.run());
            if let Err(e) = spawned {
                // The handler (socket and slot) was dropped with the closure: nothing leaks.
                eprintln!("reference-server: cannot start a thread for {peer}: {e}");
            }
        }
    }
}

/// LIMIT-1: tells a connection over the limit why, and closes it, without a thread.
///
/// The socket is put in non-blocking mode so that nothing here can stall the accept loop: the
/// line is tiny and the socket's send buffer empty, so the write goes through at once.
fn turn_away(stream: TcpStream, max_clients: usize) {
    let reason = format!("server is full ({max_clients} clients)");
    let _ = stream.set_nonblocking(true);
    let _ = (&stream).write_all(&encode(&wording::error_line(&reason)));
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
