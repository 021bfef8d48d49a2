//! A connection the test drives by hand, byte by byte: there is no reader task, so nothing
//! is read from the socket unless the test asks. For a user that must not read at all
//! (SLOW-1), or one that sends megabytes the transcript should not hold (INPUT-5).

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::{QUIET, Shared};
use crate::model::Direction;
use crate::verdict::Failure;
use crate::wire::{Classifier, Decoder, Event, Owner, WireName, decoder_for};

/// A connection the test drives by hand (see the module's header).
pub(crate) struct RawClient {
    /// The name the test knows it by (`ana`).
    pub name: String,
    /// The unique name on the wire.
    pub wire: String,
    shared: Shared,
    stream: TcpStream,
    decoder: Box<dyn Decoder>,
    classifier: Classifier,
    closed: bool,
}

/// How reading a [`RawClient`] ended.
pub(crate) enum RawEnd {
    /// The awaited event arrived.
    Found,
    /// The server closed the connection.
    Closed,
    /// The connection failed (reset, or another error).
    Broken,
    /// Nothing more within the expectation timeout.
    Quiet,
}

impl WireName for RawClient {
    fn wire_name(&self) -> &str {
        &self.wire
    }
}

impl RawClient {
    /// Connects the user `name`, already declared as `wire` (bounded by the connect timeout).
    /// With `recv_buffer`, the socket's receive buffer is made that small first, so a server
    /// that blocks on a client that does not read blocks after kilobytes, not megabytes.
    pub async fn connect(
        shared: Shared,
        name: &str,
        wire: &str,
        recv_buffer: Option<u32>,
    ) -> Result<RawClient, Failure> {
        let stream = super::open(&shared, name, recv_buffer).await?;
        let decoder = decoder_for(&shared.profile, shared.lexicon.clone());
        let classifier =
            Classifier::new(shared.profile.clone(), shared.roster.clone()).for_receiver(wire);
        Ok(RawClient {
            name: name.to_string(),
            wire: wire.to_string(),
            shared,
            stream,
            decoder,
            classifier,
            closed: false,
        })
    }

    /// Writes `bytes`, bounded by the expectation timeout (a timeout is `TimedOut`). The
    /// transcript records `note` instead of the bytes, or nothing when `note` is `None`.
    pub async fn write(&mut self, bytes: &[u8], note: Option<&str>) -> io::Result<()> {
        if let Some(note) = note {
            self.shared
                .transcript
                .record(&self.name, Direction::Sent, note);
        }
        match timeout(self.shared.timeouts.expect, self.stream.write_all(bytes)).await {
            Ok(result) => result,
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the write did not complete (the server is not reading)",
            )),
        }
    }

    /// Sends the name in the profile's framing. A prompt, if the server sends one, is left
    /// unread: the server asks, the client answers at once.
    pub async fn send_name(&mut self) -> Result<(), Failure> {
        let message = self.shared.profile.frame(self.wire.as_bytes());
        let shown = self.name.clone();
        self.write(&message, Some(&shown)).await.map_err(|e| {
            Failure::new(
                format!("{} can send its name", self.name),
                format!("write failed: {e}"),
            )
        })
    }

    /// Reads until an event for which `wanted` holds, the end of the connection, or nothing
    /// more within the expectation timeout (in all). Returns the events before the end.
    pub async fn read_until(&mut self, wanted: impl Fn(&Event) -> bool) -> (Vec<Event>, RawEnd) {
        let deadline = tokio::time::Instant::now() + self.shared.timeouts.expect;
        let mut before = Vec::new();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            if self.closed {
                return (before, RawEnd::Closed);
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let wait = if self.decoder.has_pending() {
                left.min(QUIET)
            } else {
                left
            };
            let messages = match timeout(wait, self.stream.read(&mut buf)).await {
                Ok(Ok(0)) => {
                    self.closed = true;
                    self.note("closed by the server");
                    self.decoder.flush().into_iter().collect()
                }
                Ok(Ok(n)) => self.decoder.feed(&buf[..n]),
                Ok(Err(e)) => {
                    self.note(&format!("connection broken: {e}"));
                    return (before, RawEnd::Broken);
                }
                Err(_) if left > wait => self.decoder.flush().into_iter().collect(),
                Err(_) => return (before, RawEnd::Quiet),
            };
            for message in messages {
                let roster = &self.shared.roster;
                let event = self.classifier.classify(&message);
                let owner = event
                    .as_ref()
                    .map_or(Owner::ThisTest, |e| roster.owner_of(e));
                let shown = crate::transcript::received_line(roster, &message, owner);
                self.shared
                    .transcript
                    .record(&self.name, Direction::Received, &shown);
                let Some(event) = event else {
                    continue;
                };
                if owner == Owner::AnotherTest {
                    continue; // a user of an earlier test, still leaving
                }
                if wanted(&event) {
                    return (before, RawEnd::Found);
                }
                before.push(event);
            }
        }
    }

    fn note(&self, text: &str) {
        self.shared
            .transcript
            .record(&self.name, Direction::Event, text);
    }
}
