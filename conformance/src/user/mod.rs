//! A simulated user: one TCP connection, a reader task that decodes and classifies what
//! arrives into an inbox, and methods that read like a transcript — `say`, `expect`,
//! `quit`, `close`, `reset`.
//!
//! Whatever the server sends, a user's memory stays bounded: lines are cut at
//! [`MAX_MESSAGE`](crate::wire::MAX_MESSAGE), and the inbox holds at most [`INBOX`] events and
//! [`INBOX_BYTES`] bytes of them; past that the reader stops reading and TCP pushes back on
//! the server. When an expectation times out, the failure says whether the server had sent
//! anything at all on the connection, and shows a message that was still arriving.
//!
//! Waiting for an event the protocol does not order against others (a welcome after
//! someone else's join: see `user/unordered.rs`) holds those others back, in arrival order,
//! for the test's later expectations and barriers: a held event is still received. With an
//! echoing profile the user consumes its own echoes as they come (`user/echoes.rs`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio::time::timeout;

mod echoes;
pub(crate) mod raw;
mod shared;
#[cfg(test)]
mod tests;
mod unordered;
mod waiting;

pub use shared::{Shared, Timeouts};

use crate::model::Direction;
use crate::verdict::Failure;
use crate::wire::{Classifier, Event, Owner, WireName, decoder_for, visible};
use echoes::OwnEchoes;

/// How long a chunk-framed stream may stay quiet before a pending partial message is taken
/// as whole (only used when bytes are pending).
const QUIET: Duration = Duration::from_millis(150);
/// How long a refused connect waits before it tries again, while the server may still be
/// starting (see [`Shared::connect_until`]).
const CONNECT_RETRY: Duration = Duration::from_millis(25);
/// Most events a barrier collects before its sentinel: beyond that the server is flooding.
const MAX_BEFORE_BARRIER: usize = 100_000;
/// Events buffered per user before its reader stops reading (TCP back-pressure).
pub const INBOX: usize = 8192;
/// Bytes of messages buffered per user before its reader stops reading: a server that floods
/// long lines costs a bounded amount of memory.
pub const INBOX_BYTES: usize = 2 * 1024 * 1024;
/// Longest event shown in a failure message or event log; the rest is summarised.
const SHOWN_CHARS: usize = 300;
/// Bytes of a message still arriving that a timeout failure quotes.
const PENDING_SHOWN: usize = 80;

/// What the reader task hands to the test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// One classified message, in arrival order. Messages matching an `ignore` pattern and
    /// lines about users of earlier tests never get here; lines about a name no simulated
    /// user has (`None salió`) do, and the transcript marks them as unattributed.
    Event(Event),
    /// The server closed the connection (FIN).
    Closed,
    /// The connection failed (reset, or another error).
    Broken(String),
}

/// What the reader task knows about its connection, for the test's failure messages.
#[derive(Default)]
struct Watch {
    /// Bytes received on this connection.
    bytes: AtomicU64,
    /// The start of a message still arriving (at most [`PENDING_SHOWN`] bytes), and its
    /// length so far.
    pending: Mutex<(Vec<u8>, usize)>,
    /// How the connection ended, once the reader has seen it end (the test may not have
    /// taken that from the inbox yet).
    ended: Mutex<Option<String>>,
}

impl Watch {
    /// Notes the decoder's message in progress: its length so far (counting what was cut
    /// from an overlong one) and its start, kept from the last time there was one to show.
    fn set_pending(&self, decoder: &dyn crate::wire::Decoder) {
        let (bytes, len) = (decoder.pending(), decoder.pending_len());
        let mut pending = crate::sync::lock(&self.pending);
        if len == 0 {
            pending.0.clear();
        } else if !bytes.is_empty() && pending.1 != len {
            pending.0.clear();
            pending
                .0
                .extend_from_slice(&bytes[..bytes.len().min(PENDING_SHOWN)]);
        }
        pending.1 = len;
    }
}

/// One simulated user.
pub struct User {
    /// The name the test knows it by (`ana`).
    pub name: String,
    /// The unique name on the wire (`ana_qxkz`).
    pub wire: String,
    shared: Shared,
    writer: Option<OwnedWriteHalf>,
    /// Each event with the bytes of [`INBOX_BYTES`] it holds.
    inbox: mpsc::Receiver<(Incoming, u32)>,
    /// What is left of [`INBOX_BYTES`]; given back as events are taken.
    budget: Arc<Semaphore>,
    watch: Arc<Watch>,
    reader: JoinHandle<()>,
    /// Set once the inbox has reported the end of the connection.
    ended: Option<Incoming>,
    /// Events received while waiting for another that may come after them, in arrival
    /// order: the next reads take them first.
    held: VecDeque<Event>,
    /// The user's own lines still to come back, when the profile echoes.
    echoes: Option<OwnEchoes>,
    /// Lines about its own leave still due to this user after its quit word: the profile's
    /// `farewell` and, with `leave_to_self`, its own leave line.
    farewells: usize,
    /// Users who had joined before this one: a late announcement of the join of each may
    /// still reach it, once ([`User::allow_late_joins`]).
    late_joins: std::collections::HashSet<String>,
    /// How long each of this user's waits and writes may take, when not the expectation
    /// timeout ([`User::set_timeout`]).
    timeout: Option<Duration>,
}

impl WireName for User {
    fn wire_name(&self) -> &str {
        &self.wire
    }
}

impl Drop for User {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl User {
    /// Opens the connection (bounded by the connect timeout) and starts the reader.
    pub async fn connect(shared: Shared, name: &str, wire: &str) -> Result<User, Failure> {
        let stream = open(&shared, name, None).await?;
        let (read, writer) = stream.into_split();
        let (tx, inbox) = mpsc::channel(INBOX);
        let budget = Arc::new(Semaphore::new(INBOX_BYTES));
        let watch = Arc::new(Watch::default());
        let reader = Reader::new(&shared, name, wire, tx, &budget, &watch);
        let reader = tokio::spawn(reader.run(read));
        let echoes = shared.profile.echo.then(OwnEchoes::default);
        Ok(User {
            name: name.to_string(),
            wire: wire.to_string(),
            shared,
            writer: Some(writer),
            inbox,
            budget,
            watch,
            reader,
            ended: None,
            held: VecDeque::new(),
            echoes,
            farewells: 0,
            late_joins: std::collections::HashSet::new(),
            timeout: None,
        })
    }

    /// The profile this user speaks.
    pub fn profile(&self) -> &crate::profile::Profile {
        &self.shared.profile
    }

    fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(self.shared.timeouts.expect)
    }

    /// From now on each of this user's expectations and writes may take up to `wait`
    /// instead of the expectation timeout: for a test in which the server may rightly hold
    /// everyone back for a while (SLOW-1).
    pub fn set_timeout(&mut self, wait: Duration) {
        self.timeout = Some(wait);
    }

    /// Writes raw bytes as they are (no framing added).
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        if self.shared.transcript.accepts() {
            let shown = self
                .shared
                .roster
                .normalise(&String::from_utf8_lossy(bytes));
            self.shared.transcript.record(
                &self.name,
                Direction::Sent,
                shown.trim_end_matches('\n'),
            );
        } else {
            self.shared
                .transcript
                .record(&self.name, Direction::Sent, "");
        }
        let wait = self.timeout();
        let Some(writer) = self.writer.as_mut() else {
            return Err(Failure::new(
                format!("{} can still write", self.name),
                "the connection was already closed by the test",
            ));
        };
        let written = timeout(wait, async {
            writer.write_all(bytes).await?;
            writer.flush().await
        })
        .await;
        match written {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Failure::new(
                format!("{} can write to the server", self.name),
                format!("write failed: {e}"),
            )),
            Err(_) => Err(Failure::new(
                format!("{} can write to the server", self.name),
                format!(
                    "the write did not complete within {:?} (the server is not reading)",
                    self.timeout()
                ),
            )),
        }
    }

    /// Writes one message in the profile's framing: a line, or one paced chunk.
    pub async fn send_message(&mut self, message: &str) -> Result<(), Failure> {
        self.send_message_bytes(message.as_bytes()).await
    }

    /// [`send_message`](Self::send_message) for a message that may not be UTF-8.
    pub async fn send_message_bytes(&mut self, message: &[u8]) -> Result<(), Failure> {
        let profile = self.shared.profile.clone();
        self.send_raw(&profile.frame(message)).await?;
        if profile.pace_ms > 0 {
            // Deliberate pacing, not synchronisation: a chunk-framed server takes one
            // `recv()` as one message, so two writes must not reach it together.
            tokio::time::sleep(Duration::from_millis(profile.pace_ms)).await;
        }
        Ok(())
    }

    /// Sends the name (JOIN-1), after consuming the server's prompt if the profile has one.
    pub async fn send_name(&mut self) -> Result<(), Failure> {
        if !self.shared.profile.prompt.is_empty() {
            self.expect(&Event::Prompt).await?;
        }
        let wire = self.wire.clone();
        self.send_message(&wire).await
    }

    /// Sends a chat message in the profile's wording (CHAT-1).
    pub async fn say(&mut self, text: &str) -> Result<(), Failure> {
        let p = self.shared.profile.clone();
        self.shared.lexicon.add(p.chat.render(&self.wire, text));
        let message = p.send.render(&self.wire, text);
        self.wrote(text);
        self.shared
            .transcript
            .event(&self.name, format!("SAY {text}"));
        if let Some(echoes) = &mut self.echoes {
            echoes.said(text);
        }
        self.send_message(&message).await
    }

    /// Notes that this user wrote the chat text `text`, however it was sent: a server that
    /// relays only the text (`chat = "{text}"`) has its line credited to this user.
    pub fn wrote(&self, text: &str) {
        self.shared.roster.wrote(&self.wire, text);
    }

    /// Notes a chat line this user wrote by hand (with [`send_raw`](Self::send_raw), in
    /// pieces or several to a write): with an echoing profile it is expected back, after
    /// the lines said before it, like one sent with [`say`](Self::say). Call it before the
    /// write: the server may relay the line before the write returns.
    pub fn said_by_hand(&mut self, text: &str) {
        self.wrote(text);
        if let Some(echoes) = &mut self.echoes {
            echoes.said(text);
        }
    }

    /// Sends the quit word (QUIT-1). `None` when the profile has no quit word.
    pub async fn quit(&mut self) -> Option<Result<(), Failure>> {
        let quit = self.shared.profile.quit.clone()?;
        self.shared.transcript.event(&self.name, "QUIT".into());
        let p = &self.shared.profile;
        self.farewells = usize::from(p.farewell.is_some()) + usize::from(p.leave_to_self);
        Some(self.send_message(&quit.render(&self.wire, "")).await)
    }

    /// Closes the connection cleanly (FIN) and forgets it.
    pub async fn close(mut self) {
        self.shared
            .transcript
            .record(&self.name, Direction::Event, "closes (FIN)");
        self.shared.transcript.event(&self.name, "CLOSE".into());
        if let Some(mut writer) = self.writer.take() {
            let _ = writer.shutdown().await;
        }
        // Dropping the reader half with the writer closes the socket entirely.
    }

    /// Closes this user's sending side cleanly (FIN) and keeps reading, so the test can wait
    /// for the server to close the connection in turn ([`expect_closed`](Self::expect_closed)).
    pub async fn close_sending(&mut self) {
        self.shared
            .transcript
            .record(&self.name, Direction::Event, "closes (FIN), still reading");
        self.shared.transcript.event(&self.name, "CLOSE".into());
        if let Some(mut writer) = self.writer.take() {
            let _ = writer.shutdown().await;
        }
    }

    /// Resets the connection (RST): linger 0, then close.
    pub fn reset(mut self) {
        self.shared
            .transcript
            .record(&self.name, Direction::Event, "resets (RST)");
        self.shared.transcript.event(&self.name, "RESET".into());
        self.reader.abort();
        if let Some(writer) = self.writer.take() {
            let _ = writer.as_ref().set_zero_linger();
            // Dropping a write half sends a FIN; `forget` leaves the socket open until the
            // read half goes with the aborted reader, and with linger 0 that close is an RST.
            writer.forget();
        }
    }

    /// The next event, waiting at most the expectation timeout.
    pub async fn next(&mut self) -> Result<Event, Failure> {
        match self.next_incoming(self.timeout()).await {
            Some(Incoming::Event(event)) => Ok(event),
            Some(end) => Err(Failure::new(
                format!("{} receives another message", self.name),
                describe_end(&end),
            )),
            None => Err(Failure::new(
                format!("{} receives another message", self.name),
                self.silence(),
            )),
        }
    }

    /// What a timed-out wait saw: nothing, with what the connection had sent so far.
    fn silence(&self) -> String {
        let waited = format!("nothing within {:?}", self.timeout());
        if self.watch.bytes.load(Ordering::Relaxed) == 0 {
            return format!("{waited}: the server has sent nothing at all on this connection");
        }
        let (start, len) = crate::sync::lock(&self.watch.pending).clone();
        if len == 0 {
            return waited;
        }
        let more = if len > start.len() { "…" } else { "" };
        format!(
            "{waited}; a message was still arriving, without its end: \"{}{more}\" ({len} bytes \
             so far; {} bytes received on this connection in all)",
            visible(&String::from_utf8_lossy(&start)),
            self.watch.bytes.load(Ordering::Relaxed)
        )
    }

    /// The next event: a held one first, then the inbox's, past the user's own awaited
    /// echoes. `None` when nothing came within `wait`.
    async fn next_incoming(&mut self, wait: Duration) -> Option<Incoming> {
        if let Some(held) = self.held.pop_front() {
            return Some(Incoming::Event(held));
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_from_inbox(left).await {
                Some(Incoming::Event(e)) if self.is_awaited_echo(&e) => self.note_echo(&e),
                Some(Incoming::Event(e)) if self.is_late_join(&e) => self
                    .shared
                    .transcript
                    .event(&self.name, format!("LATE JOIN {}", self.show(&e))),
                Some(Incoming::Event(e)) if self.is_retired(&e) => self
                    .shared
                    .transcript
                    .event(&self.name, format!("LATE HELLO {}", self.show(&e))),
                Some(Incoming::Event(e)) if self.is_farewell(&e) => self
                    .shared
                    .transcript
                    .event(&self.name, format!("FAREWELL {}", self.show(&e))),
                other => return other,
            }
        }
    }

    /// The users in `earlier` joined before this one: a server that announces a join only
    /// after welcoming the joiner (the announcement outside its lock) may announce theirs to
    /// this user too, late. Each is tolerated once, before this user has seen anything of
    /// that user's; a second copy is a duplicate.
    pub fn allow_late_joins(&mut self, earlier: impl IntoIterator<Item = String>) {
        self.late_joins = earlier.into_iter().collect();
    }

    /// True (and consumed) when `event` is the late join line of a user who joined before
    /// this one ([`User::allow_late_joins`]).
    fn is_late_join(&mut self, event: &Event) -> bool {
        match event {
            Event::Join { user } => self.late_joins.remove(user),
            other => {
                // Once anything of that user's arrives, its join cannot be late any more.
                if let Some(user) = other.user() {
                    self.late_joins.remove(user);
                }
                false
            }
        }
    }

    /// True when `event` is a late copy of a join handshake's hello
    /// ([`Shared::retired`]).
    fn is_retired(&self, event: &Event) -> bool {
        matches!(event, Event::Chat { text, .. } if crate::sync::lock(&self.shared.retired).contains(text))
    }

    /// Every event before the first that satisfies `until`, or `None` when none came within
    /// `wait`; the events read meanwhile then stay for the next reads.
    pub async fn collect_until_within(
        &mut self,
        until: impl Fn(&Event) -> bool,
        wait: Duration,
    ) -> Option<Vec<Event>> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut before = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_incoming(left).await {
                Some(Incoming::Event(got)) if until(&got) => return Some(before),
                Some(Incoming::Event(got)) => before.push(got),
                _ => {
                    // Nothing in time, or the end of the connection (kept in `ended`).
                    for event in before.into_iter().rev() {
                        self.held.push_front(event);
                    }
                    return None;
                }
            }
        }
    }

    /// Logs an awaited echo the user consumed.
    fn note_echo(&self, echo: &Event) {
        self.shared
            .transcript
            .event(&self.name, format!("ECHO {}", self.show(echo)));
    }

    /// True (and consumed) when `event` is one of the user's own lines coming back as the
    /// echoing profile says it must.
    fn is_awaited_echo(&mut self, event: &Event) -> bool {
        match (&mut self.echoes, event) {
            (Some(echoes), Event::Chat { user, text }) if *user == self.wire => {
                echoes.received(text)
            }
            _ => false,
        }
    }

    /// True (and consumed) when `event` is a line about this user's own leave that the
    /// profile says it receives after its quit word (`farewell`, `leave_to_self`).
    fn is_farewell(&mut self, event: &Event) -> bool {
        let mine = matches!(event, Event::Leave { user } if *user == self.wire);
        if mine && self.farewells > 0 {
            self.farewells -= 1;
            return true;
        }
        false
    }

    async fn next_from_inbox(&mut self, wait: Duration) -> Option<Incoming> {
        if let Some(end) = &self.ended {
            return Some(end.clone());
        }
        // Events enter the event log when the test takes them, so the log follows the
        // script's order, whatever the reader tasks' timing.
        let received = timeout(wait, self.inbox.recv()).await;
        if let Ok(Some((_, cost))) = &received {
            self.budget.add_permits(*cost as usize);
        }
        match received.map(|r| r.map(|(incoming, _)| incoming)) {
            Ok(Some(Incoming::Event(e))) => {
                let shown = self.show(&e);
                self.shared.transcript.event(&self.name, shown);
                Some(Incoming::Event(e))
            }
            Ok(Some(end)) => {
                self.shared.transcript.event(&self.name, "CLOSED".into());
                self.ended = Some(end.clone());
                Some(end)
            }
            Ok(None) => {
                let end = Incoming::Broken("the reader stopped".into());
                self.ended = Some(end.clone());
                Some(end)
            }
            Err(_) => None,
        }
    }

    /// The next event must be `want`. Events the protocol lets come first (see
    /// `user/unordered.rs`) are held back for later reads instead.
    pub async fn expect(&mut self, want: &Event) -> Result<(), Failure> {
        let expected = format!("{} receives {}", self.name, self.show(want));
        let holdable = self.holdable_before(want);
        let seen = self.wait_for(expected, |got| got == want, holdable).await;
        match want {
            // Seeing someone join is how most tests set their room up: when that fails,
            // JOIN-2 failed, whatever the test is about.
            Event::Join { user } => seen.map_err(|f| {
                let step = if *user == self.wire {
                    format!("{} sees its own join line", self.name)
                } else {
                    let joiner = self.shared.roster.normalise(user);
                    format!("{} sees {joiner} join", self.name)
                };
                f.in_setup(step, "JOIN-2")
            }),
            _ => seen,
        }
    }

    /// Consumes the welcome lines (JOIN-5: as many as the profile has), or fails with what
    /// came instead.
    pub async fn expect_welcome(&mut self) -> Result<(), Failure> {
        let lines = self.shared.profile.welcome.len();
        for line in 1..=lines {
            let which = if lines == 1 {
                "the welcome line".to_string()
            } else {
                format!("welcome line {line} of {lines}")
            };
            let expected = format!("{} receives {which} (its name was accepted)", self.name);
            let wire = self.wire.clone();
            // A welcome template without {user} captures nothing: accept that too.
            let holdable = self.holdable_before(&Event::Welcome { user: wire.clone() });
            self.wait_for(
                expected,
                |got| matches!(got, Event::Welcome { user } if *user == wire || user.is_empty()),
                holdable,
            )
            .await?;
        }
        Ok(())
    }

    /// The next event must satisfy `accept`; `expected` says what that means.
    pub async fn expect_that(
        &mut self,
        expected: String,
        accept: impl Fn(&Event) -> bool,
    ) -> Result<(), Failure> {
        self.wait_for(expected, accept, |_| false).await
    }

    /// Every event before `until`, which must arrive within the timeout (a barrier).
    pub async fn collect_until(&mut self, until: &Event) -> Result<Vec<Event>, Failure> {
        // The timeout bounds silence, not the whole wait: a receiver working through a long
        // backlog (900 messages in broadcast.concurrent) is making progress, and the
        // sentinel comes after the backlog. The test's budget still bounds the whole test.
        let mut before = Vec::new();
        loop {
            let failed = match self.next_incoming(self.timeout()).await {
                Some(Incoming::Event(got)) if &got == until => return Ok(before),
                Some(Incoming::Event(got)) if before.len() < MAX_BEFORE_BARRIER => {
                    before.push(got);
                    continue;
                }
                Some(Incoming::Event(_)) => {
                    format!("more than {MAX_BEFORE_BARRIER} other messages arrived first")
                }
                Some(end) => describe_end(&end),
                None => self.silence(),
            };
            return Err(Failure::new(
                format!("{} receives {}", self.name, self.show(until)),
                format!("{failed}; {}", self.summarise(&before)),
            ));
        }
    }

    /// `received before: [the last few events]`, with a count when there were many.
    fn summarise(&self, events: &[Event]) -> String {
        const SHOWN: usize = 8;
        let skipped = events.len().saturating_sub(SHOWN);
        let last: Vec<String> = events[skipped..].iter().map(|e| self.show(e)).collect();
        if skipped == 0 {
            format!("received before: [{}]", last.join(", "))
        } else {
            format!(
                "received before: {} messages, the last {SHOWN}: [{}]",
                events.len(),
                last.join(", ")
            )
        }
    }

    /// The server must close this connection (QUIT-2, INPUT-*): events before the close are
    /// returned, so the test can check them.
    pub async fn expect_closed(&mut self) -> Result<Vec<Event>, Failure> {
        let deadline = tokio::time::Instant::now() + self.timeout();
        let mut before = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_incoming(left).await {
                Some(Incoming::Event(got)) => before.push(got),
                Some(_) => return Ok(before),
                None => {
                    return Err(Failure::new(
                        format!("the server closes {}'s connection", self.name),
                        format!("still open after {:?}", self.timeout()),
                    ));
                }
            }
        }
    }

    /// How the connection ended, if the reader has seen it end — even if the test has not
    /// read that far yet (`the server closed the connection`).
    pub fn ended_early(&self) -> Option<String> {
        crate::sync::lock(&self.watch.ended).clone()
    }

    /// Whether the connection has ended (as far as the inbox has reported).
    pub fn has_ended(&self) -> bool {
        self.ended.is_some()
    }

    /// An event in the test's names (`CHAT ana hola`), for messages; one about a name no
    /// user of the test has is marked as such.
    pub fn show(&self, event: &Event) -> String {
        let shown = self.shared.roster.normalise(&event.to_string());
        let shown = crate::wire::cut(&shown, SHOWN_CHARS).into_owned();
        match self.shared.roster.owner_of(event) {
            Owner::Nobody => format!("{shown} (unattributed: no user of this test is called that)"),
            Owner::ThisTest | Owner::AnotherTest => shown,
        }
    }
}

/// Opens a connection for the user `name`, bounded by the connect timeout, with
/// `TCP_NODELAY` and, if given, a small receive buffer (so a server that blocks on a client
/// that does not read blocks after kilobytes, not megabytes). Records `connected`.
pub(crate) async fn open(
    shared: &Shared,
    name: &str,
    recv_buffer: Option<u32>,
) -> Result<TcpStream, Failure> {
    let addr = shared.addr;
    let failed = |actual: String| Failure::new(format!("a connection to {addr}"), actual);
    // Refused connections are retried only while a starting server may not listen yet.
    let stream = loop {
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()
        } else {
            tokio::net::TcpSocket::new_v6()
        }
        .map_err(|e| failed(format!("cannot create a socket: {e}")))?;
        if let Some(size) = recv_buffer {
            let _ = socket.set_recv_buffer_size(size);
        }
        match timeout(shared.timeouts.connect, socket.connect(addr)).await {
            Ok(Ok(stream)) => break stream,
            Ok(Err(e))
                if e.kind() == std::io::ErrorKind::ConnectionRefused
                    && shared
                        .connect_until
                        .is_some_and(|until| std::time::Instant::now() < until) =>
            {
                tokio::time::sleep(CONNECT_RETRY).await;
            }
            Ok(Err(e)) => return Err(failed(format!("connection failed: {e}"))),
            Err(_) => {
                return Err(failed(format!(
                    "no connection within {:?}",
                    shared.timeouts.connect
                )));
            }
        }
    };
    let _ = stream.set_nodelay(true);
    shared
        .transcript
        .record(name, Direction::Event, "connected");
    Ok(stream)
}

/// The task that reads one user's socket: decodes, classifies, records, and delivers.
struct Reader {
    decoder: Box<dyn crate::wire::Decoder>,
    classifier: Classifier,
    shared: Shared,
    me: String,
    /// `me` on the wire, e.g. `ana_qxkz`: a chat line from it is its own, come back.
    wire: String,
    tx: mpsc::Sender<(Incoming, u32)>,
    budget: Arc<Semaphore>,
    watch: Arc<Watch>,
}

impl Reader {
    /// The reader of user `name` (`wire` on the wire), delivering to `tx` within `budget`,
    /// telling `watch` what it has read.
    fn new(
        shared: &Shared,
        name: &str,
        wire: &str,
        tx: mpsc::Sender<(Incoming, u32)>,
        budget: &Arc<Semaphore>,
        watch: &Arc<Watch>,
    ) -> Reader {
        Reader {
            decoder: decoder_for(&shared.profile, shared.lexicon.clone()),
            classifier: Classifier::new(shared.profile.clone(), shared.roster.clone())
                .for_receiver(wire),
            shared: shared.clone(),
            me: name.to_string(),
            wire: wire.to_string(),
            tx,
            budget: Arc::clone(budget),
            watch: Arc::clone(watch),
        }
    }

    /// Reads `read` (the socket's read half; scripted reads in tests) to its end.
    async fn run(mut self, mut read: impl AsyncRead + Unpin) {
        let mut buf = vec![0u8; 16 * 1024];
        let end = loop {
            let read = if self.decoder.has_pending() {
                match timeout(QUIET, read.read(&mut buf)).await {
                    Ok(r) => r,
                    Err(_) => {
                        // Quiet with a partial message pending: take it as it is.
                        let flushed = self.decoder.flush();
                        self.watch.set_pending(self.decoder.as_ref());
                        if let Some(message) = flushed
                            && !self.deliver(message).await
                        {
                            return;
                        }
                        continue;
                    }
                }
            } else {
                read.read(&mut buf).await
            };
            match read {
                Ok(0) => break Incoming::Closed,
                Ok(n) => {
                    self.watch.bytes.fetch_add(n as u64, Ordering::Relaxed);
                    self.shared.received.fetch_add(n as u64, Ordering::Relaxed);
                    let messages = self.decoder.feed(&buf[..n]);
                    self.watch.set_pending(self.decoder.as_ref());
                    for message in messages {
                        if !self.deliver(message).await {
                            return;
                        }
                    }
                }
                Err(e) => break Incoming::Broken(e.to_string()),
            }
        };
        if let Some(message) = self.decoder.flush() {
            self.deliver(message).await;
        }
        let note = match &end {
            Incoming::Closed => "closed by the server".to_string(),
            Incoming::Broken(e) => format!("connection broken: {e}"),
            Incoming::Event(_) => unreachable!("the loop only ends on a close"),
        };
        *crate::sync::lock(&self.watch.ended) = Some(describe_end(&end));
        self.shared
            .transcript
            .record(&self.me, Direction::Event, &note);
        let _ = self.tx.send((end, 0)).await;
    }

    /// Remembers the first of its own chat lines this user received back, when the profile
    /// says the server does not echo ([`Shared::echoed`]).
    fn note_echo(&self, event: &Event, message: &str) {
        let own = matches!(event, Event::Chat { user, .. } if *user == self.wire);
        if own && !self.shared.profile.echo {
            crate::sync::lock(&self.shared.echoed).get_or_insert_with(|| {
                format!(
                    "{} received its own {} back",
                    self.me,
                    crate::wire::quoted(&self.shared.roster.normalise(message))
                )
            });
        }
    }

    /// Records one message and hands its event to the test; false once the test is gone.
    /// A line about a user of an earlier test is recorded only; one about a name no
    /// simulated user has (`None salió`) is recorded marked as unattributed, and delivered.
    async fn deliver(&mut self, message: String) -> bool {
        let roster = &self.shared.roster;
        let event = self.classifier.classify(&message);
        let owner = event
            .as_ref()
            .map_or(Owner::ThisTest, |e| roster.owner_of(e));
        if self.shared.transcript.accepts() {
            let shown = crate::transcript::received_line(roster, &message, owner);
            self.shared
                .transcript
                .record(&self.me, Direction::Received, &shown);
        } else {
            self.shared
                .transcript
                .record(&self.me, Direction::Received, "");
        }
        let Some(event) = event else {
            return true; // matched an `ignore` pattern
        };
        if owner == Owner::AnotherTest {
            return true; // a user of an earlier test, still leaving
        }
        self.note_echo(&event, &message);
        // Wait for room in the inbox's byte budget: while the test does not take events,
        // this reader stops reading and the server's writes back up.
        let cost = message.len().clamp(1, INBOX_BYTES);
        let Ok(permit) = self.budget.acquire_many(cost as u32).await else {
            return false;
        };
        permit.forget();
        self.tx
            .send((Incoming::Event(event), cost as u32))
            .await
            .is_ok()
    }
}

fn describe_end(end: &Incoming) -> String {
    match end {
        Incoming::Closed => "the server closed the connection".into(),
        Incoming::Broken(e) => format!("the connection broke: {e}"),
        Incoming::Event(e) => format!("{e}"),
    }
}
