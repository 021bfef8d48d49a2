//! The harness's side of the wire: it listens where the client will connect, accepts the
//! client's one connection, reads what the client sends as messages (lines, or one write
//! each: the `[client]` table's `framing`), writes what a server would, and notices the
//! client's close. Everything that crosses the wire goes into the transcript as `client`.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::model::Direction;
use crate::profile::Framing;
use crate::transcript::Transcript;
use crate::verdict::Failure;

/// The name the transcript gives the client under test.
pub const CLIENT: &str = "client";

/// The harness listening where the client will connect.
pub struct Listener {
    listener: TcpListener,
    /// The port it listens on.
    pub port: u16,
}

impl Listener {
    /// Listens on 127.0.0.1:`port` (0: a free port).
    ///
    /// # Errors
    ///
    /// When the port cannot be bound (another program holds it).
    pub async fn bind(port: u16) -> Result<Listener, String> {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        Ok(Listener { listener, port })
    }

    /// Accepts the client's connection, waiting at most `bound`.
    pub async fn accept(
        &self,
        bound: Duration,
        framing: Framing,
        transcript: &Transcript,
    ) -> Result<Peer, Failure> {
        match tokio::time::timeout(bound, self.listener.accept()).await {
            Ok(Ok((stream, _))) => {
                let _ = stream.set_nodelay(true);
                transcript.event(CLIENT, "connected".to_owned());
                Ok(Peer {
                    stream,
                    framing,
                    pending: Vec::new(),
                    eof: false,
                    transcript: transcript.clone(),
                })
            }
            Ok(Err(e)) => Err(Failure::new(
                "the client connects to the server",
                format!("accepting its connection failed: {e}"),
            )),
            Err(_) => Err(Failure::new(
                format!("the client connects to the server within {bound:?}"),
                format!("no connection came in {bound:?}"),
            )),
        }
    }
}

/// What reading from the client gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// One message, its terminator removed.
    Message(Vec<u8>),
    /// The client closed the connection (cleanly or not).
    Closed,
    /// Nothing came within the bound.
    Silent,
}

/// The client's connection, seen from the server.
pub struct Peer {
    stream: TcpStream,
    framing: Framing,
    /// Bytes read but not yet cut into a message (line framing).
    pending: Vec<u8>,
    eof: bool,
    transcript: Transcript,
}

impl Peer {
    /// Writes `bytes` to the client, as they are.
    ///
    /// # Errors
    ///
    /// When the client has gone.
    pub async fn send(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.transcript
            .record(CLIENT, Direction::Received, &String::from_utf8_lossy(bytes));
        self.stream.write_all(bytes).await.map_err(|e| {
            Failure::new(
                "the client's connection stays open",
                format!("writing to it failed: {e}"),
            )
        })
    }

    /// Closes the connection, as a server that ends it would (FIN).
    pub async fn close(mut self) {
        self.transcript
            .event(CLIENT, "closed by the server (the harness)".to_owned());
        let _ = self.stream.shutdown().await;
    }

    /// The next message the client sends, waiting at most `bound`.
    pub async fn read(&mut self, bound: Duration) -> Read {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            if let Some(message) = self.cut() {
                self.transcript
                    .record(CLIENT, Direction::Sent, &String::from_utf8_lossy(&message));
                return Read::Message(message);
            }
            if self.eof {
                return Read::Closed;
            }
            let mut buf = [0; 16 * 1024];
            match tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await {
                Err(_) => return Read::Silent,
                Ok(Ok(0)) | Ok(Err(_)) => {
                    self.eof = true;
                    self.transcript
                        .event(CLIENT, "closed the connection".to_owned());
                    // A chunk left without its newline is still the client's last message.
                    if self.framing == Framing::Line && !self.pending.is_empty() {
                        self.pending.push(b'\n');
                    }
                }
                Ok(Ok(n)) => {
                    self.pending.extend_from_slice(&buf[..n]);
                    if self.framing == Framing::Chunk {
                        // One write, one message: a newline the client adds is tolerated.
                        let mut chunk = std::mem::take(&mut self.pending);
                        strip_newline(&mut chunk);
                        self.pending = chunk;
                        self.pending.push(b'\n');
                    }
                }
            }
        }
    }

    /// Cuts the first complete message off what was read.
    fn cut(&mut self) -> Option<Vec<u8>> {
        let at = self.pending.iter().position(|&b| b == b'\n')?;
        let mut message: Vec<u8> = self.pending.drain(..=at).collect();
        strip_newline(&mut message);
        Some(message)
    }

    /// The next message, which must be `expected`; in chunk framing, consecutive writes are
    /// joined while they are the start of it (TCP may cut one long send in pieces).
    ///
    /// # Errors
    ///
    /// What came instead (another message, a close, silence), with `what` as the expectation.
    pub async fn expect(
        &mut self,
        expected: &[u8],
        what: &str,
        bound: Duration,
    ) -> Result<(), Failure> {
        let mut got: Vec<u8> = Vec::new();
        loop {
            match self.read(bound).await {
                Read::Message(message) => {
                    got.extend_from_slice(&message);
                    if got == expected {
                        return Ok(());
                    }
                    let joinable = self.framing == Framing::Chunk && expected.starts_with(&got);
                    if !joinable {
                        return Err(Failure::new(what, format!("it sent {}", shown(&got))));
                    }
                }
                Read::Closed => {
                    return Err(Failure::new(
                        what,
                        if got.is_empty() {
                            "it closed the connection instead".to_owned()
                        } else {
                            format!("it sent {} and closed the connection", shown(&got))
                        },
                    ));
                }
                Read::Silent => {
                    return Err(Failure::new(
                        what,
                        if got.is_empty() {
                            format!("it sent nothing within {bound:?}")
                        } else {
                            format!("it sent only {} within {bound:?}", shown(&got))
                        },
                    ));
                }
            }
        }
    }
}

/// Removes one trailing `\n` or `\r\n`.
fn strip_newline(message: &mut Vec<u8>) {
    if message.last() == Some(&b'\n') {
        message.pop();
        if message.last() == Some(&b'\r') {
            message.pop();
        }
    }
}

/// A message as a report quotes it: in quotes, escaped, cut when long.
pub fn shown(message: &[u8]) -> String {
    let text = String::from_utf8_lossy(message);
    let count = text.chars().count();
    if count > 120 {
        let head: String = text.chars().take(100).collect();
        format!(
            "\"{}\" … ({} bytes in all)",
            head.escape_debug(),
            message.len()
        )
    } else {
        format!("\"{}\"", text.escape_debug())
    }
}
