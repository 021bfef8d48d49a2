//! The probing steps: a few users with distinctive names join, talk, try quit words and
//! close, and what each receives is written into the [`Draft`]. The gentle steps come first
//! ([`Probe::room`]); the ones that can hurt a fragile server (a close before the name, a
//! taken name, a reset) last ([`Probe::fragile`]), after a restart when the server was
//! spawned.
//!
//! Only the probe's own names and texts are looked for in what arrives, never a wording: a
//! line naming `betoqx` right after betoqx joined is the join line, whatever its language.

mod arrival;
mod departure;
mod extra;
mod fragile;
mod talk;

use std::net::SocketAddr;
use std::time::Duration;

use super::conn::{Conn, GATHER_CAP, Gathered, Waits};
use super::draft::Draft;
use super::infer::{framing_of, has_escapes, messages};
use crate::profile::{Framing, Template};
use crate::wire::{lossy, strip_ansi};

/// The probe's users, in the order they join the room.
pub const NAMES: [&str; 3] = ["anaqx", "betoqx", "celiaqx"];
/// The users of the fragile steps (a fresh server, or the same one).
const LATE_NAMES: [&str; 2] = ["dinoqx", "fabioqx"];
/// The texts the probe says: plain, then with the sender's name in front.
const TEXTS: [&str; 2] = ["hola7k", "hey8w"];
/// The quit words tried, in order: the reference's first.
pub const QUIT_WORDS: &[&str] = &[
    "salir", "/quit", "quit", "/exit", "exit", "/salir", "/bye", "bye", "chau", "/leave",
];
/// Bound of one connection attempt.
const CONNECT_BOUND: Duration = Duration::from_secs(3);

/// Why the probe stopped before a draft could be made.
#[derive(Debug)]
pub enum Stop {
    /// Nothing accepted the first connection (exit 2).
    Unreachable(String),
    /// The server answered, but not in a way a profile can describe (exit 1).
    CannotTell(String),
}

/// The probe's state: what it has learned so far, and the draft it writes.
pub struct Probe {
    addr: SocketAddr,
    waits: Waits,
    /// How the server frames its messages, once seen.
    pub framing: Option<Framing>,
    /// Escapes were seen.
    strip: bool,
    /// A connection was accepted once.
    reached: bool,
    /// A user has arrived already (and so whether the server sends a prompt is known).
    arrived: bool,
    /// The first user's prompt text, as received.
    prompt: String,
    /// The templates learned, for telling lines apart in later steps.
    join: Option<String>,
    chat: Option<String>,
    leave: Option<String>,
    /// Everything the room's users received, for the lines no key describes (`extra`).
    heard: Vec<Gathered>,
    /// The room's steps are running: what arrives is kept in `heard`.
    listening: bool,
    /// The profile being drafted.
    pub draft: Draft,
}

/// `template` rendered for `user` and `text`, when it is a usable template.
fn render(template: &str, user: &str, text: &str) -> Option<String> {
    Template::parse(template, &["user", "text"])
        .ok()
        .map(|t| t.render(user, text))
}

/// `"line"`, quoted for a comment.
fn q(line: &str) -> String {
    format!("{line:?}")
}

/// Lines shown of what a server sent before it closed.
const PARTING_SHOWN: usize = 3;

/// What a server said before it closed, for a message: nothing, or its first lines, with a
/// word about HTTP where the reply is an HTTP server's (a wrong port, most of the time).
fn parting(lines: &[String]) -> String {
    let Some(first) = lines.first() else {
        return "without a word".into();
    };
    let shown = lines[..lines.len().min(PARTING_SHOWN)].join(" / ");
    let more = match lines.len().saturating_sub(PARTING_SHOWN) {
        0 => String::new(),
        1 => " and 1 more line".into(),
        n => format!(" and {n} more lines"),
    };
    let http = if first.starts_with("HTTP/") {
        ": that is an HTTP server's answer, not a chat server's (is it the right port?)"
    } else {
        ""
    };
    format!("having sent {}{more}{http}", q(&shown))
}

impl Probe {
    /// A probe of the server at `addr`, waiting as `waits` says.
    pub fn new(addr: SocketAddr, waits: Waits) -> Probe {
        Probe {
            addr,
            waits,
            framing: None,
            strip: false,
            reached: false,
            arrived: false,
            prompt: String::new(),
            join: None,
            chat: None,
            leave: None,
            heard: Vec::new(),
            listening: false,
            draft: Draft::default(),
        }
    }

    /// Points the probe at a restarted server.
    pub fn moved_to(&mut self, addr: SocketAddr) {
        self.addr = addr;
    }

    /// Stops on a flood; notes escapes; keeps what the room's users received.
    fn check(&mut self, got: &Gathered) -> Result<(), Stop> {
        self.hear(got);
        if got.flooded {
            return Err(Stop::CannotTell(format!(
                "the server sent more than {} KiB at once without a pause: a flood, not a chat \
                 server's wording",
                GATHER_CAP / 1024
            )));
        }
        Ok(())
    }

    /// Keeps what a user of the room received, and notes escapes.
    fn hear(&mut self, got: &Gathered) {
        self.strip |= has_escapes(&got.reads);
        if self.listening && !got.flooded {
            self.heard.push(got.clone());
        }
    }

    /// The messages of `got` in the framing seen so far (lines until one is seen).
    fn msgs(&self, got: &Gathered) -> Vec<String> {
        messages(got, self.framing.unwrap_or(Framing::Line), self.strip)
    }

    /// `text` as one write in the server's framing.
    fn frame(&self, text: &str) -> Vec<u8> {
        match self.framing {
            Some(Framing::Chunk) => text.as_bytes().to_vec(),
            _ => format!("{text}\n").into_bytes(),
        }
    }

    /// Gathers on every connection at once.
    async fn gather_all(&mut self, conns: &mut [&mut Conn]) -> Result<Vec<Gathered>, Stop> {
        let waits = self.waits;
        let got = futures::future::join_all(conns.iter_mut().map(|c| c.gather(waits))).await;
        for g in &got {
            self.check(g)?;
        }
        Ok(got)
    }

    /// Gathers on `watcher` until what it waits for came, then briefly on the others (what
    /// they get was sent at the same time).
    async fn gather_after(
        &mut self,
        watcher: &mut Conn,
        others: &mut [&mut Conn],
    ) -> Result<Vec<Gathered>, Stop> {
        let first = watcher.gather(self.waits).await;
        self.check(&first)?;
        let brief = self.waits.brief();
        let rest = futures::future::join_all(others.iter_mut().map(|c| c.gather(brief))).await;
        for g in &rest {
            self.check(g)?;
        }
        Ok(std::iter::once(first).chain(rest).collect())
    }

    /// Connects `name`, reads what comes before the name, sends the name (with `\n`: the
    /// framing is not known yet, and a chunk server strips it).
    async fn arrive(&mut self, name: &str) -> Result<(Conn, String), Stop> {
        let mut conn = match Conn::open(self.addr, CONNECT_BOUND).await {
            Ok(conn) => conn,
            Err(e) if !self.reached => {
                return Err(Stop::Unreachable(format!(
                    "cannot connect to {}: {e}",
                    self.addr
                )));
            }
            Err(e) => {
                return Err(Stop::CannotTell(format!(
                    "the server accepted a first connection, then {name}'s failed: {e}"
                )));
            }
        };
        self.reached = true;
        // Once a first user got no prompt, no later one waits long for one.
        let waits = if self.arrived && self.prompt.is_empty() {
            self.waits.brief()
        } else {
            self.waits
        };
        self.arrived = true;
        let before = conn.gather(waits).await;
        self.check(&before)?;
        if before.closed {
            return Err(Stop::CannotTell(format!(
                "the server closed {name}'s connection before it sent a name{}",
                if before.is_empty() {
                    ", without a word"
                } else {
                    ""
                }
            )));
        }
        let mut prompt = lossy(&before.reads.concat());
        if self.strip {
            prompt = strip_ansi(&prompt);
        }
        conn.send(format!("{name}\n").as_bytes()).await;
        Ok((conn, prompt))
    }

    /// The gentle steps: three users join, one talks, quit words are tried, one closes.
    pub async fn room(&mut self) -> Result<(), Stop> {
        self.listening = true;
        let room = self.room_steps().await;
        self.listening = false;
        room
    }

    /// The steps of [`Probe::room`].
    async fn room_steps(&mut self) -> Result<(), Stop> {
        let [a_name, b_name, c_name] = NAMES;
        let (mut a, prompt) = self.arrive(a_name).await?;
        self.prompt = prompt;
        let welcome_a = a.gather(self.waits).await;
        self.check(&welcome_a)?;
        if welcome_a.closed {
            return Err(Stop::CannotTell(format!(
                "the server closed {a_name}'s connection right after its name, {}",
                parting(&self.msgs(&welcome_a))
            )));
        }
        let (mut b, prompt_b) = self.arrive(b_name).await?;
        let got = self.gather_all(&mut [&mut a, &mut b]).await?;
        let (join_a, welcome_b) = (&got[0], &got[1]);
        self.framing = framing_of(&join_a.reads)
            .or_else(|| framing_of(&welcome_a.reads))
            .or_else(|| framing_of(&welcome_b.reads));
        self.draft_prompt(&prompt_b);
        self.learn_join(&self.msgs(join_a), a_name, b_name);
        self.learn_welcome(&self.msgs(&welcome_a), &self.msgs(welcome_b));
        let (mut c, _) = self.arrive(c_name).await?;
        let got = self.gather_all(&mut [&mut a, &mut b, &mut c]).await?;
        self.confirm_join(&self.msgs(&got[0]), c_name);
        self.learn_chat(&mut a, &mut b, &mut c).await?;
        // Without a chat line nothing else can be told apart: no quit words to try.
        self.usable().map_err(Stop::CannotTell)?;
        self.learn_quit(&mut a, &mut b, &mut c).await?;
        // The last of the room closes: what the others see is the leave line (LEAVE-2).
        drop(c);
        if let Some(seen) = self
            .unless_flooded(&mut b, c_name, "closed its connection")
            .await
        {
            self.learn_leave_on(&self.msgs(&seen), c_name, "closed its connection");
        }
        self.draft_leave();
        Ok(())
    }

    /// What `watcher` receives after `who` left as `how` says; `None`, with a note, when it
    /// is a flood (a server that takes a closed connection's empty read for a message): the
    /// wording was learned before, the flood is the server's bug for the suite to report.
    async fn unless_flooded(
        &mut self,
        watcher: &mut Conn,
        who: &str,
        how: &str,
    ) -> Option<Gathered> {
        let seen = watcher.gather(self.waits).await;
        if seen.flooded {
            self.draft.general(format!(
                "OBSERVED: when {who} {how}, the others received more than {} KiB at once: \
                 the suite will say which requirement that breaks",
                GATHER_CAP / 1024
            ));
            return None;
        }
        self.hear(&seen);
        Some(seen)
    }

    /// The keys every draft has, whatever was seen: framing and escapes.
    pub fn finish(&mut self) {
        let framing = self.framing.unwrap_or(Framing::Line);
        let (value, comment) = match (self.framing, framing) {
            (None, _) => ("line", "UNSURE: no message of the server's was seen"),
            (_, Framing::Line) => ("line", "every message ended with \\n"),
            (_, Framing::Chunk) => ("chunk", "messages came without \\n, one per write"),
        };
        self.draft.set("framing", value, comment);
        self.draft.set(
            "strip_ansi",
            self.strip,
            if self.strip {
                "terminal escape sequences were received"
            } else {
                "no terminal escape sequence was received"
            },
        );
        self.learn_ignore();
    }

    /// Whether the draft can run the suite: the server's chat line was found.
    fn usable(&self) -> Result<(), String> {
        if self.chat.is_none() {
            return Err(format!(
                "no user received a line with what {} wrote: the chat wording could not be \
                 found",
                NAMES[0]
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::parting;

    fn lines(n: usize, first: &str) -> Vec<String> {
        std::iter::once(first.to_string())
            .chain((1..n).map(|i| format!("line {i}")))
            .collect()
    }

    #[test]
    fn a_parting_shows_its_first_lines_and_counts_the_rest() {
        assert_eq!(parting(&[]), "without a word");
        assert_eq!(parting(&lines(1, "bye")), "having sent \"bye\"");
        assert_eq!(
            parting(&lines(4, "bye")),
            "having sent \"bye / line 1 / line 2\" and 1 more line"
        );
        let http = parting(&lines(20, "HTTP/1.0 200 OK"));
        assert!(http.contains("and 17 more lines"), "{http}");
        assert!(
            http.ends_with("not a chat server's (is it the right port?)"),
            "{http}"
        );
    }
}
