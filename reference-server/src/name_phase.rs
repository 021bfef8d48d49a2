//! Step 1 of every connection, the name: its deadline (LIMIT-2), and telling a client that
//! ends its lines with `\n` from one that does not (FRAME-5).
//!
//! **A departure from the seed, made for the seed's own client.** The assignment's client
//! writes bare messages: `sock.send(nombre.encode())`, later `sock.send(mensaje.encode())`,
//! no `\n` anywhere, and the seed's server takes each `recv(1024)` as one message. This
//! server reads lines instead (FRAME-2, [`line_reader`](crate::line_reader)), because a TCP
//! read is not a message: the kernel splits and merges writes as it likes. Met with the
//! seed's client, the line reader would wait forever for the end of the name; the name,
//! every message and the final `salir` would pile up in one unfinished line until the name
//! timeout closed the connection, and a student testing their client against this server
//! would see nothing useful.
//!
//! So the server watches how the name arrives. A name that ends in `\n` means line framing,
//! exactly as before. When the first bytes arrive *without* a `\n` and then nothing more
//! comes for a quiet time (`--unframed-after`, 300 ms), the client is waiting for an answer
//! that a line client would never wait for: the connection is *unframed* from then on, and
//! each read is one message, as in the seed ([`LineReader::end_framing`]). The server logs
//! that once, with the reason. Every pause of a line client's name restarts the quiet time,
//! so a name written in pieces stays framed as long as no piece is followed by a pause as
//! long as the quiet time.
//!
//! The price is the seed's own flaw, and it is why line framing stays the norm: two quick
//! sends of an unframed client can reach the server in one read and become one message
//! (`holasalir`), and so can everything it sent while the server stopped reading from it
//! under back-pressure. No server can undo that without a delimiter.
//!
//! The name timeout: with the detection on, a client that sent some bytes is served as
//! unframed after the quiet time, so the timeout only meets a client that sent nothing at
//! all — or one that never paused that long without finishing its name (or a quiet time
//! longer than the timeout). With the detection off (`--unframed-after 0`), or in that last
//! case, the `ERROR:` line and the log say how many bytes arrived without a line end, the
//! usual cause being a client that does not send `\n`.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_protocol::{NameError, reasons, validate_name, wording};

use crate::config::Config;
use crate::line_reader::{Line, LineReader};

/// The socket as the line reader sees it. During the name phase every read is bounded by
/// what is left of the name timeout (LIMIT-2), so trickling bytes cannot extend it, and,
/// once some bytes have arrived, by the quiet time that marks an unframed client.
#[derive(Debug)]
pub struct Conn {
    stream: Arc<TcpStream>,
    /// The name timeout's end; `None` after the name.
    deadline: Option<Instant>,
    /// `--unframed-after`, while it applies.
    quiet: Option<Duration>,
    /// When the last bytes of the name phase arrived.
    last_arrival: Option<Instant>,
}

impl Conn {
    /// The connection of a client that has `deadline` to send its name; `quiet` is
    /// [`Config::unframed_after`].
    pub fn naming(stream: Arc<TcpStream>, deadline: Instant, quiet: Option<Duration>) -> Conn {
        Conn {
            stream,
            deadline: Some(deadline),
            quiet,
            last_arrival: None,
        }
    }

    /// The name is in: reads block for as long as they need from now on.
    pub fn end_name_phase(&mut self) -> io::Result<()> {
        self.deadline = None;
        self.quiet = None;
        self.stream.set_read_timeout(None)
    }

    /// When the quiet time after the last bytes ends, if bytes have arrived and the detection
    /// is on.
    fn quiet_end(&self) -> Option<Instant> {
        Some(self.last_arrival? + self.quiet?)
    }

    /// Which time of the name phase is up, if any (a read timeout may wake a little early).
    /// The quiet time counts only when it ended before the name timeout.
    fn time_up(&self) -> Option<TimeUp> {
        let now = Instant::now();
        let deadline = self.deadline?;
        match self.quiet_end() {
            Some(quiet) if quiet <= deadline && quiet <= now => Some(TimeUp::Quiet),
            _ if deadline <= now => Some(TimeUp::Name),
            _ => None,
        }
    }
}

/// What [`Conn::time_up`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeUp {
    /// Bytes arrived without a line end, then nothing for the quiet time: an unframed client.
    Quiet,
    /// The name timeout (LIMIT-2).
    Name,
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(deadline) = self.deadline {
            let until = self
                .quiet_end()
                .map_or(deadline, |quiet| quiet.min(deadline));
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            self.stream.set_read_timeout(Some(left))?;
        }
        let n = (&*self.stream).read(buf)?;
        if n > 0 && self.deadline.is_some() {
            self.last_arrival = Some(Instant::now());
        }
        Ok(n)
    }
}

/// How the client frames what it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Lines ending in `\n` (FRAME-1): the protocol's norm.
    Lines,
    /// One message per read, as the seed's client sends them (FRAME-5).
    Unframed,
}

/// Why the name phase ended without a name.
#[derive(Debug)]
pub enum NoName {
    /// Tell the client this `ERROR: …` line, then close.
    Refuse(String),
    /// The client went away (EOF or a read error): nothing to say.
    Gone,
}

/// Reads the name (JOIN-1), checked by [`validate_name`] (INPUT-1, 3, 4), and how the client
/// frames its messages. `peer` names the client in the log.
///
/// A blank first line is refused as an empty name rather than skipped (PROTOCOL.md,
/// INPUT-1: "at connection time, a blank line is an invalid name").
pub fn read_name(
    reader: &mut LineReader<Conn>,
    config: &Config,
    peer: SocketAddr,
) -> Result<(String, Framing), NoName> {
    let refuse = |reason: &str| NoName::Refuse(wording::error_line(reason));
    let (line, framing) = loop {
        match reader.read_line() {
            Ok(Some(line)) => break (line, Framing::Lines),
            Err(e) if is_timeout(&e) => match reader.get_ref().time_up() {
                Some(TimeUp::Quiet) => {
                    crate::log!(
                        "reference-server: {peer}: unframed client: its first {} bytes came \
                         without a line end and nothing followed for {} ms, so each read is \
                         one message from now on (as the seed's client sends them)",
                        reader.pending(),
                        config.unframed_after_ms
                    );
                    break (reader.end_framing(), Framing::Unframed);
                }
                Some(TimeUp::Name) => {
                    return Err(refuse(&no_name_reason(reader.pending(), config, peer)));
                }
                None => continue, // the read timeout woke a little early
            },
            Ok(None) | Err(_) => return Err(NoName::Gone),
        }
    };
    let raw = match line {
        Line::Text(raw) => raw,
        Line::TooLong => {
            let max = config.max_name;
            return Err(refuse(&NameError::TooLong { max }.to_string()));
        }
    };
    match validate_name(&raw, config.max_name) {
        Ok(name) => Ok((name.to_owned(), framing)),
        Err(e) => Err(refuse(&e.to_string())),
    }
}

/// The reason of the `ERROR:` line at the name timeout (LIMIT-2), `pending` bytes of an
/// unfinished name held; such a partial name is logged too.
fn no_name_reason(pending: usize, config: &Config, peer: SocketAddr) -> String {
    let secs = config.name_timeout_secs;
    if pending == 0 {
        return reasons::no_name_in_time(secs, 0);
    }
    let why = match config.unframed_after() {
        None => "unframed clients are not detected (--unframed-after 0)".to_owned(),
        Some(_) => format!(
            "they never paused for --unframed-after {} ms",
            config.unframed_after_ms
        ),
    };
    crate::log!(
        "reference-server: {peer}: no name within {secs} s: {pending} bytes arrived without \
         a line end; {why}"
    );
    reasons::no_name_in_time(secs, pending)
}

/// A socket read timeout shows up as `WouldBlock` on Unix and `TimedOut` on Windows.
fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
