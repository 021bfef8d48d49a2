//! The listening socket and the accept loop: the seed's `ChatServer` class and its
//! `start()` (`while True: conn, addr = self.server.accept(); ClientHandler(...).start()`).
//!
//! The loop is the seed's, with three differences, each for a reason and each in a module of
//! its own:
//! - `--max-clients` is enforced here, before any thread is started ([`slots`]): a connection
//!   over the limit gets `ERROR: servidor lleno (N clientes)` and is closed on the spot
//!   ([`turn_away`]), so a flood of connections cannot create a flood of threads (LIMIT-1).
//! - Threads are named (`client-7`) and get a small stack ([`threads`]), since a thousand
//!   clients means two thousand threads.
//! - An accept error does not end (or spin) the loop: it is logged, the loop backs off, and
//!   when the process is out of file descriptors waiting clients are still told the server
//!   is full ([`accept_errors`]).
//!
//! The accept loop never reads from a client: a client that connects and never sends its
//! name only occupies its own thread (JOIN-6), until the name timeout closes it (LIMIT-2). So
//! a flood of connections that never send a name costs at most `--max-clients` threads, for
//! at most `--name-timeout` seconds each; users already in the room never notice it.
//!
//! [`slots`]: crate::slots
//! [`turn_away`]: crate::turn_away
//! [`threads`]: crate::threads
//! [`accept_errors`]: crate::accept_errors

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;

use chat_protocol::reasons;

use crate::accept_errors::AcceptErrors;
use crate::client_handler::ClientHandler;
use crate::config::Config;
use crate::room::{ClientId, Room};
use crate::slots::Slots;
use crate::threads;
use crate::turn_away::turn_away;

/// The server: a bound listener, the room, and the settings.
#[derive(Debug)]
pub struct ChatServer {
    listener: TcpListener,
    room: Arc<Room>,
    config: Arc<Config>,
    slots: Arc<Slots>,
    /// Opened with the listener, so the descriptor count is steady from the moment the
    /// server announces its address.
    accept_errors: AcceptErrors,
}

impl ChatServer {
    /// Binds `config.host:config.port` (port 0 picks a free port; see
    /// [`local_addr`](Self::local_addr)). Nothing is accepted until [`run`](Self::run).
    pub fn bind(config: Config) -> io::Result<ChatServer> {
        let listener = TcpListener::bind((config.host.as_str(), config.port))?;
        Ok(ChatServer {
            listener,
            room: Arc::new(Room::new()),
            slots: Arc::new(Slots::new(config.max_clients)),
            config: Arc::new(config),
            accept_errors: AcceptErrors::new(),
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
        loop {
            match self.listener.accept() {
                Ok((stream, peer)) => {
                    self.accept_errors.accepted();
                    next_id += 1;
                    self.admit(stream, peer, ClientId(next_id));
                }
                Err(e) => self.accept_errors.failed(&self.listener, &e),
            }
        }
    }

    /// Starts a handler thread for an accepted connection, or turns it away (LIMIT-1).
    fn admit(&self, stream: TcpStream, peer: SocketAddr, id: ClientId) {
        // Chat lines are small and interactive: send them now, don't wait to batch.
        let _ = stream.set_nodelay(true);
        let Some(slot) = self.slots.try_acquire() else {
            let max = self.config.max_clients;
            turn_away(stream, &reasons::server_full(max));
            return;
        };
        let room = Arc::clone(&self.room);
        let config = Arc::clone(&self.config);
        let handler = ClientHandler::new(id, stream, peer, room, config, slot);
        if let Err(e) = threads::spawn(format!("client-{}", id.0), move || handler.run()) {
            // The handler (socket and slot) was dropped with the closure: nothing leaks.
            crate::log!("reference-server: cannot start a thread for {peer}: {e}");
        }
    }
}
