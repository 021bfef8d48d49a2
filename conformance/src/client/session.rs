//! What a client test works with: a [`ClientSession`] starts the client under test on a
//! terminal, pointed at the harness, and [`ClientSession::join`] takes it through the
//! start of the assignment (the name typed, sent first, welcomed). The [`Client`] it gives
//! is the test's handle on both sides: keys and screen, and the wire.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::terminal::{Display, Exit, Screen, Terminal};
use super::wire::{Listener, Peer, shown};
use crate::model::Direction;
use crate::profile::Profile;
use crate::sync::lock;
use crate::transcript::Transcript;
use crate::user::Timeouts;
use crate::verdict::Failure;

/// The name the harness types for the user.
pub const NAME: &str = "ana";
/// Another user of the room the harness plays, who says things to the client.
pub const OTHER: &str = "beto";
/// The name the transcript gives what the harness types.
const KEYS: &str = "keys";

/// The context of one client test.
pub struct ClientSession {
    /// How the server words things, and the `[client]` table.
    pub profile: Arc<Profile>,
    /// The client's command line, with `{host}` and `{port}` still in it.
    pub command: String,
    /// The port the client is hard-coded to (`--listen`), if it is.
    pub listen: Option<u16>,
    /// Bounds of each expectation and of the connection.
    pub timeouts: Timeouts,
    /// What crossed the wire and what was typed.
    pub transcript: Transcript,
    /// The test's seed, for anything random.
    pub seed: u64,
    /// The client's screen once it runs, for the runner to show with a failure.
    pub screen: Arc<Mutex<Option<Screen>>>,
}

impl ClientSession {
    /// `command` with the harness's address filled in.
    pub fn command_for(&self, port: u16) -> String {
        self.command
            .replace("{host}", "127.0.0.1")
            .replace("{port}", &port.to_string())
    }

    /// Starts the client with nothing listening where it connects: a port that was free a
    /// moment ago, or the `--listen` port, left unbound.
    pub async fn start_unreachable(&self) -> Result<Client, Failure> {
        let port = match self.listen {
            Some(port) => port,
            None => Listener::bind(0).await.map_err(setup)?.port,
        };
        self.spawn(None, port)
    }

    /// Starts the client, pointed at the harness.
    pub async fn start(&self) -> Result<Client, Failure> {
        let listener = Listener::bind(self.listen.unwrap_or(0))
            .await
            .map_err(setup)?;
        let port = listener.port;
        self.spawn(Some(listener), port)
    }

    fn spawn(&self, listener: Option<Listener>, port: u16) -> Result<Client, Failure> {
        let command = self.command_for(port);
        let terminal = Terminal::start(&command).map_err(setup)?;
        self.transcript
            .event(KEYS, format!("started `{command}` on a terminal"));
        *lock(&self.screen) = Some(terminal.screen().clone());
        Ok(Client {
            terminal,
            listener,
            peer: None,
            port,
            profile: Arc::clone(&self.profile),
            timeouts: self.timeouts,
            transcript: self.transcript.clone(),
            paste_ons_at_enter: 0,
        })
    }

    /// Starts the client and takes it through joining: the user answers what the profile
    /// says the client asks first and types the name; the client must connect and send the
    /// name as its first message (CLIENT-1); the harness sends the profile's welcome and
    /// waits (bounded) until the screen shows it. A failure is one in setup, of CLIENT-1.
    pub async fn join(&self) -> Result<Client, Failure> {
        let mut client = self.start().await?;
        client
            .enter_name()
            .await
            .map_err(|f| f.in_setup(format!("{NAME} joins through the client"), "CLIENT-1"))?;
        client.welcome().await?;
        Ok(client)
    }
}

/// A failure of the harness itself, before the client could be judged.
fn setup(actual: String) -> Failure {
    Failure::new("the harness can start the client", actual)
        .in_setup("starting the client", "CLIENT-1")
}

/// The client under test during one test: its terminal, and the wire once it connected.
pub struct Client {
    terminal: Terminal,
    listener: Option<Listener>,
    peer: Option<Peer>,
    /// The port the client was told.
    pub port: u16,
    profile: Arc<Profile>,
    /// Bounds of each expectation and of the connection.
    pub timeouts: Timeouts,
    transcript: Transcript,
    /// How many times the client had turned bracketed paste on when Enter was last typed:
    /// a line editor is ready for the next line once it turns it on again.
    paste_ons_at_enter: usize,
}

impl Client {
    /// The screen.
    pub fn screen(&self) -> &Screen {
        self.terminal.screen()
    }

    /// The client's process id (the shell that runs it).
    pub fn pid(&self) -> Option<u32> {
        self.terminal.pid()
    }

    /// The profile the harness speaks.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The connection, once the client has connected.
    pub fn peer(&mut self) -> Result<&mut Peer, Failure> {
        self.peer.as_mut().ok_or_else(|| {
            Failure::new(
                "the client is connected",
                "it never connected to the server",
            )
        })
    }

    /// Takes the connection out, e.g. to close it.
    pub fn take_peer(&mut self) -> Result<Peer, Failure> {
        self.peer.take().ok_or_else(|| {
            Failure::new(
                "the client is connected",
                "it never connected to the server",
            )
        })
    }

    /// The user's part of joining: waits (bounded) for the client to show something (its
    /// first question), answers what the profile says it asks first, types the name; then
    /// the client must connect and send the name as its first message.
    pub async fn enter_name(&mut self) -> Result<(), Failure> {
        self.type_name().await?;
        if self.peer.is_none() {
            let listener = self.listener.as_ref().ok_or_else(|| {
                Failure::new("the harness listens", "nothing listens for this test")
            })?;
            let accepted = listener
                .accept(
                    self.timeouts.connect,
                    self.profile.client.framing,
                    &self.transcript,
                )
                .await;
            let peer = accepted.map_err(|mut failure| {
                if let Some(exit) = self.terminal.exited() {
                    failure.actual = format!(
                        "the client exited (status {}) without connecting",
                        exit.code
                    );
                }
                failure
            })?;
            self.peer = Some(peer);
        }
        if !self.profile.prompt.is_empty() {
            let prompt = self.profile.prompt.clone();
            self.peer()?.send(prompt.as_bytes()).await?;
        }
        // The client may still be starting (an interpreter on a busy machine): the
        // connection's bound, not a single expectation's.
        let bound = self.timeouts.connect;
        self.peer()?
            .expect(
                NAME.as_bytes(),
                &format!(
                    "the first message is the name, {}, alone, and nothing comes before it",
                    shown(NAME.as_bytes())
                ),
                bound,
            )
            .await
    }

    /// The user's part of joining, alone: waits until the client has started — it shows
    /// something (its first question), exits, or connects — answers what the profile says
    /// it asks first, and types the name. A client that connects before it asks is accepted
    /// here.
    pub async fn type_name(&mut self) -> Result<(), Failure> {
        let startup = self.timeouts.connect;
        let screen = self.terminal.screen().clone();
        let shows_something =
            |d: &Display| d.closed || d.rows().iter().any(|r| !r.trim().is_empty());
        let accepted = async {
            match &self.listener {
                Some(listener) => {
                    let framing = self.profile.client.framing;
                    listener.accept(startup, framing, &self.transcript).await
                }
                None => std::future::pending().await,
            }
        };
        let early = tokio::select! {
            _ = screen.wait_for(startup, shows_something) => None,
            accepted = accepted => accepted.ok(),
        };
        if let Some(peer) = early {
            self.peer = Some(peer);
            // Connected first: its question may follow. A client that asks nothing costs
            // this bound, no more.
            let _ = screen.wait_for(self.timeouts.expect, shows_something).await;
        }
        for answer in self.profile.client.before_name("127.0.0.1", self.port) {
            self.type_line(&answer).await?;
        }
        self.type_line(NAME).await
    }

    /// Sends the profile's welcome, and waits (bounded) until the screen shows it: the test
    /// goes on even when it does not, since some clients show nothing until a key is pressed.
    pub async fn welcome(&mut self) -> Result<(), Failure> {
        let lines: Vec<String> = self
            .profile
            .welcome
            .iter()
            .map(|w| w.render(NAME, ""))
            .collect();
        for line in &lines {
            let framed = self.profile.frame(line.as_bytes());
            self.peer()?.send(&framed).await?;
        }
        if let Some(first) = lines.first() {
            let shown = first.trim().to_owned();
            let _ = self
                .screen()
                .wait_for(self.timeouts.expect, |d| d.shows(&shown))
                .await;
        }
        Ok(())
    }

    /// The harness's other user says `text` to the client, in the profile's wording.
    pub async fn other_says(&mut self, text: &str) -> Result<(), Failure> {
        let line = self.profile.chat.render(OTHER, text);
        let framed = self.profile.frame(line.as_bytes());
        self.peer()?.send(&framed).await
    }

    /// Waits until the client's line editor, if it has one, is ready for the next line
    /// (bounded): keys typed before it switches the terminal to raw mode would be echoed
    /// twice. A client reading plain lines (`input()`) is always ready: the terminal keeps
    /// what is typed ahead.
    async fn wait_ready(&self) {
        let after = self.paste_ons_at_enter;
        if self.screen().look(Display::paste_ons) == 0 {
            return;
        }
        let _ = self
            .screen()
            .wait_for(self.timeouts.expect, |d| {
                d.parser.screen().bracketed_paste() && d.paste_ons() > after
            })
            .await;
    }

    /// Types `text` without Enter.
    pub async fn type_text(&mut self, text: &str) -> Result<(), Failure> {
        self.wait_ready().await;
        self.transcript.record(KEYS, Direction::Sent, text);
        self.keys(text.as_bytes()).await
    }

    /// Types `text` and Enter. A long line goes in as a paste where the client's editor
    /// takes pastes (as a user would paste it).
    pub async fn type_line(&mut self, text: &str) -> Result<(), Failure> {
        self.wait_ready().await;
        self.transcript
            .record(KEYS, Direction::Sent, &format!("{text}⏎"));
        let paste = text.len() > 200 && self.screen().look(|d| d.parser.screen().bracketed_paste());
        let keys = if paste {
            [b"\x1b[200~", text.as_bytes(), b"\x1b[201~\r"].concat()
        } else {
            [text.as_bytes(), b"\r"].concat()
        };
        self.paste_ons_at_enter = self.screen().look(Display::paste_ons);
        self.keys(&keys).await
    }

    /// Types Ctrl-D: the end of input, at the start of a line.
    pub async fn type_eof(&mut self) -> Result<(), Failure> {
        self.wait_ready().await;
        self.transcript.record(KEYS, Direction::Sent, "Ctrl-D");
        self.keys(b"\x04").await
    }

    async fn keys(&self, keys: &[u8]) -> Result<(), Failure> {
        self.terminal
            .type_keys(keys)
            .await
            .map_err(|e| Failure::new("the client reads what the user types", e))
    }

    /// Waits until `ready` holds for the screen, at most the expectation bound.
    ///
    /// # Errors
    ///
    /// It never did (the runner shows the screen with the failure).
    pub async fn wait_screen(
        &self,
        expected: &str,
        ready: impl Fn(&Display) -> bool,
    ) -> Result<(), Failure> {
        self.wait_screen_for(self.timeouts.expect, expected, ready)
            .await
    }

    /// [`Client::wait_screen`] with its own bound.
    pub async fn wait_screen_for(
        &self,
        bound: Duration,
        expected: &str,
        ready: impl Fn(&Display) -> bool,
    ) -> Result<(), Failure> {
        self.screen().wait_for(bound, ready).await.map_err(|_| {
            Failure::new(
                expected,
                format!("after {bound:?} the screen did not show it (the screen is below)"),
            )
        })
    }

    /// Waits until the client has exited, at most `bound`.
    pub async fn wait_exit(&self, bound: Duration) -> Option<Exit> {
        let exit = self.terminal.wait_exit(bound).await;
        if let Some(exit) = exit {
            self.transcript
                .event(KEYS, format!("the client exited with status {}", exit.code));
        }
        exit
    }

    /// Whether the client has exited.
    pub fn exited(&self) -> Option<Exit> {
        self.terminal.exited()
    }

    /// Fails when the screen shows a traceback; `when` says what the user should see.
    pub fn no_traceback(&self, when: &str) -> Result<(), Failure> {
        if self
            .screen()
            .look(|d| TRACEBACK.iter().any(|sign| d.shows(sign)))
        {
            return Err(Failure::new(
                format!("{when}, no traceback"),
                "the screen shows a traceback (below)",
            ));
        }
        Ok(())
    }
}

/// Python's signs that an exception went unhandled: in the main thread, in another one.
const TRACEBACK: [&str; 2] = ["Traceback (most recent call last)", "Exception in thread"];
