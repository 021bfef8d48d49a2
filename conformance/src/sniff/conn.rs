//! One probing connection: raw bytes in, each read kept as it came (so the framing can be
//! told afterwards), every wait bounded and every gathering capped in bytes, so a silent,
//! dripping or flooding server ends a gathering instead of stalling it.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout, timeout_at};

/// Most bytes one gathering keeps; more is a flood.
pub const GATHER_CAP: usize = 64 * 1024;
/// Longest one gathering lasts, however the server drips.
const GATHER_BOUND: Duration = Duration::from_secs(3);

/// How long to wait: for the first bytes, then for a quiet spell after the last ones.
#[derive(Debug, Clone, Copy)]
pub struct Waits {
    /// Wait at most this long for the first bytes of something that may come.
    pub first: Duration,
    /// Once bytes came, the gathering ends after this long without more.
    pub quiet: Duration,
}

impl Waits {
    /// A shorter first wait, for what has most likely already arrived.
    pub fn brief(self) -> Waits {
        Waits {
            first: self.quiet,
            quiet: self.quiet,
        }
    }
}

/// What one gathering received.
#[derive(Debug, Default, Clone)]
pub struct Gathered {
    /// Each read as it came.
    pub reads: Vec<Vec<u8>>,
    /// The server closed (or reset) the connection during it.
    pub closed: bool,
    /// More than [`GATHER_CAP`] bytes came: the rest was not read.
    pub flooded: bool,
}

impl Gathered {
    /// Whether nothing came at all.
    pub fn is_empty(&self) -> bool {
        self.reads.iter().all(Vec::is_empty)
    }
}

/// A probing user's connection.
pub struct Conn {
    stream: TcpStream,
    /// The server has closed it.
    pub closed: bool,
}

impl Conn {
    /// Connects within `bound`.
    pub async fn open(addr: SocketAddr, bound: Duration) -> std::io::Result<Conn> {
        let stream = timeout(bound, TcpStream::connect(addr))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer"))??;
        Ok(Conn {
            stream,
            closed: false,
        })
    }

    /// Writes `bytes`; a write to a closed connection marks it closed.
    pub async fn send(&mut self, bytes: &[u8]) {
        let write = timeout(GATHER_BOUND, self.stream.write_all(bytes)).await;
        if !matches!(write, Ok(Ok(()))) {
            self.closed = true;
        }
    }

    /// Reads what comes, as `waits` says, at most [`GATHER_BOUND`] in all.
    pub async fn gather(&mut self, waits: Waits) -> Gathered {
        let mut got = Gathered::default();
        if self.closed {
            got.closed = true;
            return got;
        }
        let end = Instant::now() + GATHER_BOUND;
        let mut total = 0;
        let mut buf = vec![0u8; 8192];
        loop {
            let wait = if got.reads.is_empty() {
                waits.first
            } else {
                waits.quiet
            };
            let deadline = (Instant::now() + wait).min(end);
            match timeout_at(deadline, self.stream.read(&mut buf)).await {
                Err(_) => break,
                Ok(Ok(0)) | Ok(Err(_)) => {
                    self.closed = true;
                    got.closed = true;
                    break;
                }
                Ok(Ok(n)) => {
                    got.reads.push(buf[..n].to_vec());
                    total += n;
                    if total > GATHER_CAP {
                        got.flooded = true;
                        break;
                    }
                }
            }
        }
        got
    }

    /// Resets the connection (RST instead of FIN) as it is dropped.
    pub fn reset(self) {
        let _ = self.stream.set_zero_linger();
    }
}
