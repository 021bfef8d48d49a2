//! One client's whole life, in its own thread: the seed's `ClientHandler(threading.Thread)`
//! and its `run()`.
//!
//! ```text
//! ClientHandler::run
//!   1. read the name           (first line; timeout, validation)       → ERROR + close
//!                              (no `\n`, then silence: unframed, see `name_phase`)
//!   2. room.add                (duplicate name)                         → ERROR + close
//!      spawn the writer thread (drains this client's Outbox)
//!   3. loop: read a line → `salir`? leave : broadcast "{user}: {text}"
//!            (the broadcast waits while a reader is behind: back-pressure)
//!   4. Departure::drop         the seed's `finally:` — always runs
//! ```
//!
//! Step 4 is a `Drop` guard, so it runs however step 3 ends: `salir`, FIN, RST, a read error,
//! being disconnected as too slow, even a panic. It removes the user from the room and
//! announces the leave (exactly once, see [`Room::remove`]), lets the writer flush, shuts the
//! socket down and joins the writer thread, so no thread or socket outlives the client.

use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chat_protocol::{neutralize_controls, reasons, wording};

use crate::config::Config;
use crate::line_reader::{Line, LineReader};
use crate::name_phase::{self, Conn, Framing, NoName};
use crate::outbox::{Outbox, encode, max_burst_bytes};
use crate::room::{ClientId, Member, NameInUse, Room};
use crate::slots::Slot;
use crate::threads;
use crate::writer::{is_stall, poll_interval, run_writer};

/// How long a leaving client's writer may keep flushing what was queued before the socket is
/// shut down anyway (a client that sent `salir` and stopped reading must not keep a thread).
const FLUSH_GRACE: Duration = Duration::from_secs(5);

/// Most lines of one client broadcast together (see [`ClientHandler::chat`]); a burst also
/// holds at most [`max_burst_bytes`] of `--max-queue`.
const MAX_BURST: usize = 64;

/// Serves one connection, from its first byte to its cleanup. Create it in the accept loop,
/// move it into a new thread and call [`ClientHandler::run`] there.
#[derive(Debug)]
pub struct ClientHandler {
    id: ClientId,
    peer: SocketAddr,
    stream: Arc<TcpStream>,
    room: Arc<Room>,
    config: Arc<Config>,
    /// Counts this connection against `--max-clients` until the handler is dropped.
    _slot: Slot,
}

impl ClientHandler {
    /// A handler for the accepted connection `stream` from `peer`.
    pub fn new(
        id: ClientId,
        stream: TcpStream,
        peer: SocketAddr,
        room: Arc<Room>,
        config: Arc<Config>,
        slot: Slot,
    ) -> Self {
        ClientHandler {
            id,
            peer,
            stream: Arc::new(stream),
            room,
            config,
            _slot: slot,
        }
    }

    /// Runs the connection to its end (the body of the seed's `ClientHandler.run`). Never
    /// panics on any input; every way out goes through the same cleanup.
    pub fn run(self) {
        let deadline = Instant::now() + self.config.name_timeout();
        let quiet = self.config.unframed_after();
        let conn = Conn::naming(Arc::clone(&self.stream), deadline, quiet);
        // A name may be up to `max_name` characters of up to 4 bytes each, plus whitespace.
        let name_limit =
            (self.config.max_name.saturating_mul(4).saturating_add(64)).max(self.config.max_line);
        let mut reader = LineReader::new(conn, name_limit);

        // 1. The name, and whether the client ends its lines with `\n` (FRAME-5).
        let (name, framing) = match name_phase::read_name(&mut reader, &self.config, self.peer) {
            Ok(named) => named,
            Err(NoName::Refuse(line)) => return self.refuse(&line),
            Err(NoName::Gone) => return,
        };

        // 2. Join the room, then start this client's writer thread.
        let outbox = Arc::new(Outbox::new(self.config.max_queue));
        let member = Member::new(self.id, Arc::clone(&outbox), Arc::clone(&self.stream));
        if let Err(NameInUse) = self.room.add(&name, member) {
            return self.refuse(&wording::error_line(&reasons::name_in_use(&name)));
        }
        let unframed = match framing {
            Framing::Lines => "",
            Framing::Unframed => " (unframed)",
        };
        crate::log!(
            "reference-server: {name} joined from {}{unframed}",
            self.peer
        );
        let mut departure = Departure {
            room: &self.room,
            name: &name,
            id: self.id,
            outbox: &outbox,
            stream: &self.stream,
            writer: None,
        };
        // The writer's stall detector: a write that the kernel takes nothing of returns after
        // this long (see `writer`). Set before the writer starts, so no write goes unbounded.
        let poll = poll_interval(self.config.stall_timeout());
        if let Err(e) = self.stream.set_write_timeout(Some(poll)) {
            crate::log!("reference-server: {name}: {e}");
            return; // `departure` removes the user again
        }
        match self.spawn_writer(&name, &outbox) {
            Ok(writer) => departure.writer = Some(writer),
            Err(e) => {
                crate::log!("reference-server: {name}: cannot start writer thread: {e}");
                return; // `departure` removes the user again
            }
        }
        reader.set_max_line(self.config.max_line);
        if let Err(e) = reader.get_mut().end_name_phase() {
            crate::log!("reference-server: {name}: {e}");
            return;
        }

        // 3. Chat until the client leaves, one way or another.
        self.chat(&name, &mut reader, &outbox);

        // 4. `departure` is dropped here: the seed's `finally`.
    }

    /// Sends one `ERROR: …` line straight to the socket (no writer thread exists yet) and
    /// closes the connection. Best effort: the client may already be gone.
    fn refuse(&self, line: &str) {
        let _ = self.stream.set_write_timeout(Some(Duration::from_secs(1)));
        let _ = (&*self.stream).write_all(&encode(line));
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    /// Starts this client's writer thread (`writer-ID`), which sends what the room queues in
    /// `outbox` until the outbox is closed, the peer is gone, or the peer has stalled: taken
    /// nothing for `--stall-timeout` (see [`crate::writer`]).
    fn spawn_writer(&self, name: &str, outbox: &Arc<Outbox>) -> io::Result<JoinHandle<()>> {
        let outbox = Arc::clone(outbox);
        let stream = Arc::clone(&self.stream);
        let stalled = format!(
            "reference-server: {name} disconnected: stalled (took nothing for {} s)",
            self.config.stall_timeout_secs
        );
        let stall_timeout = self.config.stall_timeout();
        threads::spawn(format!("writer-{}", self.id.0), move || {
            if let Err(e) = run_writer(&outbox, &*stream, stall_timeout) {
                if is_stall(&e) {
                    crate::log!("{stalled}");
                }
                // The peer is gone or stuck: make sure the handler's read notices too, so
                // that it leaves and its leave is announced (once, as always).
                let _ = stream.shutdown(Shutdown::Both);
            }
        })
    }

    /// Step 3: every line is a chat message (CHAT-1), `salir` leaves (QUIT-1), blank lines are
    /// ignored (FRAME-4), over-long lines get an error (INPUT-5). Returns when the client leaves
    /// or the connection ends. For an unframed client (FRAME-5) the reader makes each read one
    /// line, so this loop is the same for both.
    ///
    /// Lines that have already arrived together are broadcast together (up to
    /// [`MAX_BURST`] lines and [`max_burst_bytes`]): one lock and one queue entry per receiver
    /// for the whole burst, so a fast sender does not make the room pay per line. Every line
    /// read is broadcast before the loop ends, however it ends.
    ///
    /// **Back-pressure.** [`Room::broadcast`] waits while some reader is too far behind. This
    /// loop then reads nothing more from the socket; the kernel's receive buffer fills, TCP
    /// stops the client from sending, and a client pasting megabytes is slowed down to the
    /// pace of the room instead of filling every reader's queue.
    fn chat(&self, name: &str, reader: &mut LineReader<Conn>, outbox: &Outbox) {
        let max_burst_bytes = max_burst_bytes(self.config.max_queue);
        let mut burst: Vec<String> = Vec::new();
        let mut burst_bytes = 0;
        loop {
            let end = match reader.read_line() {
                Ok(Some(Line::Text(text))) if wording::is_quit(&text) => true,
                Ok(Some(Line::Text(text))) => {
                    if !text.trim().is_empty() {
                        let line = wording::chat_line(name, &neutralize_controls(&text));
                        burst_bytes += line.len() + 1;
                        burst.push(line);
                    }
                    false
                }
                Ok(Some(Line::TooLong)) => {
                    let reason = reasons::line_too_long(self.config.max_line);
                    // Full: our own queue overflowed, we are too slow.
                    outbox.push(encode(&wording::error_line(&reason))).is_err()
                }
                Ok(None) | Err(_) => true,
            };
            let more_waiting = !end
                && burst.len() < MAX_BURST
                && burst_bytes < max_burst_bytes
                && reader.has_line_buffered();
            if !more_waiting && !burst.is_empty() {
                if !self.room.broadcast(name, self.id, &burst) {
                    return; // we were disconnected as too slow
                }
                burst.clear();
                burst_bytes = 0;
            }
            if end {
                return;
            }
        }
    }
}

/// The seed's `finally:` block, as a guard: dropping it ends a joined client's membership.
struct Departure<'a> {
    room: &'a Room,
    name: &'a str,
    id: ClientId,
    outbox: &'a Outbox,
    stream: &'a TcpStream,
    writer: Option<JoinHandle<()>>,
}

impl Drop for Departure<'_> {
    fn drop(&mut self) {
        // Announce the leave (LEAVE-1, LEAVE-2), unless the room already did (too slow).
        if self.room.remove(self.name, self.id) {
            crate::log!("reference-server: {} left", self.name);
        }
        // Let the writer send what is still queued, but not forever.
        self.outbox.close();
        if let Some(writer) = self.writer.take() {
            self.outbox.wait_finished(FLUSH_GRACE);
            // Ends a write still blocked on a client that stopped reading.
            let _ = self.stream.shutdown(Shutdown::Both);
            let _ = writer.join();
        } else {
            let _ = self.stream.shutdown(Shutdown::Both);
        }
        // The socket itself is closed when the last `Arc<TcpStream>` is dropped, right after.
    }
}
