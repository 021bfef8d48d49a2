//! The probing steps: a few users with distinctive names join, talk, try quit words and
//! close, and what each receives is written into the [`Draft`]. The gentle steps come first
//! ([`Probe::room`]); the ones that can hurt a fragile server (a close before the name, a
//! taken name, a reset) last ([`Probe::fragile`]), after a restart when the server was
//! spawned.
//!
//! Only the probe's own names and texts are looked for in what arrives, never a wording: a
//! line naming `betoqx` right after betoqx joined is the join line, whatever its language.

use std::net::SocketAddr;
use std::time::Duration;

use toml::Value;

use super::conn::{Conn, GATHER_CAP, Gathered, Waits};
use super::draft::Draft;
use super::infer::{error_template, framing_of, has_escapes, literal, messages, template};
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
    /// The first user's prompt text, as received.
    prompt: String,
    /// The templates learned, for telling lines apart in later steps.
    join: Option<String>,
    chat: Option<String>,
    leave: Option<String>,
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

impl Probe {
    /// A probe of the server at `addr`, waiting as `waits` says.
    pub fn new(addr: SocketAddr, waits: Waits) -> Probe {
        Probe {
            addr,
            waits,
            framing: None,
            strip: false,
            reached: false,
            prompt: String::new(),
            join: None,
            chat: None,
            leave: None,
            draft: Draft::default(),
        }
    }

    /// Points the probe at a restarted server.
    pub fn moved_to(&mut self, addr: SocketAddr) {
        self.addr = addr;
    }

    /// Stops on a flood; notes escapes.
    fn check(&mut self, got: &Gathered) -> Result<(), Stop> {
        if got.flooded {
            return Err(Stop::CannotTell(format!(
                "the server sent more than {} KiB at once without a pause: a flood, not a chat \
                 server's wording",
                GATHER_CAP / 1024
            )));
        }
        self.strip |= has_escapes(&got.reads);
        Ok(())
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
        let before = conn.gather(self.waits).await;
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
        let [a_name, b_name, c_name] = NAMES;
        let (mut a, prompt) = self.arrive(a_name).await?;
        self.prompt = prompt;
        let welcome_a = a.gather(self.waits).await;
        self.check(&welcome_a)?;
        if welcome_a.closed {
            return Err(Stop::CannotTell(format!(
                "the server closed {a_name}'s connection right after its name {}",
                q(&self.msgs(&welcome_a).join(" / "))
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
        self.strip |= has_escapes(&seen.reads);
        Some(seen)
    }

    fn draft_prompt(&mut self, prompt_b: &str) {
        let mut prompt = self.prompt.clone();
        if prompt != prompt_b {
            self.draft.unsure(
                "prompt",
                format!(
                    "the first user got {} before its name, the second {}",
                    q(&prompt),
                    q(prompt_b)
                ),
            );
        }
        // A line server may only have a whole prompt line at the end: lines before it are
        // a banner, to ignore.
        if self.framing != Some(Framing::Chunk) {
            let body = prompt.strip_suffix('\n').unwrap_or(&prompt);
            if let Some((banner, last)) = body.rsplit_once('\n') {
                let ends = if prompt.ends_with('\n') { "\n" } else { "" };
                let banner: Vec<String> = banner
                    .lines()
                    .map(|l| l.trim_end_matches('\r'))
                    .filter(|l| !l.trim().is_empty())
                    .map(regex::escape)
                    .collect();
                self.draft.set(
                    "ignore",
                    Value::Array(banner.into_iter().map(Value::String).collect()),
                    "lines that came before the prompt (a banner): skipped",
                );
                prompt = format!("{last}{ends}");
            }
        }
        let comment = if prompt.is_empty() {
            "nothing came before the name".to_string()
        } else {
            format!("received {} before sending the name", q(&prompt))
        };
        self.draft.set("prompt", prompt, comment);
    }

    fn learn_join(&mut self, seen: &[String], watcher: &str, joiner: &str) {
        let about: Vec<&String> = seen.iter().filter(|l| l.contains(joiner)).collect();
        for line in seen.iter().filter(|l| !l.contains(joiner)) {
            self.draft.unsure(
                "join",
                format!("{watcher} also received {} when {joiner} joined", q(line)),
            );
        }
        match about.first().and_then(|l| template(l, Some(joiner), None)) {
            Some(join) => {
                self.draft.set(
                    "join",
                    join.clone(),
                    format!("{watcher} received {} when {joiner} joined", q(about[0])),
                );
                self.join = Some(join);
            }
            None => {
                self.draft.set(
                    "join",
                    chat_protocol::wording::JOIN_TEMPLATE,
                    format!(
                        "OBSERVED: {watcher} received no line naming {joiner} when {joiner} \
                         joined. The protocol announces joins (JOIN-2). If your assignment has \
                         no join lines, set join = \"\""
                    ),
                );
            }
        }
    }

    fn confirm_join(&mut self, seen: &[String], joiner: &str) {
        let line = seen.iter().find(|l| l.contains(joiner));
        let again = line.and_then(|l| template(l, Some(joiner), None));
        if again != self.join {
            self.draft.unsure(
                "join",
                format!(
                    "when {joiner} joined, the first user received {}",
                    line.map_or("nothing about it".to_string(), |l| q(l))
                ),
            );
        }
    }

    fn learn_welcome(&mut self, first: &[String], second: &[String]) {
        let [a_name, b_name, _] = NAMES;
        let own_join = |name: &str| self.join.as_ref().and_then(|j| render(j, name, ""));
        let welcome = |lines: &[String], name: &str| -> (Vec<String>, Option<String>) {
            let own = own_join(name);
            let (joins, rest): (Vec<&String>, Vec<&String>) = lines
                .iter()
                .partition(|l| Some(l.as_str()) == own.as_deref());
            let templates = rest
                .iter()
                .map(|l| template(l, Some(name), None).unwrap_or_else(|| literal(l)))
                .collect();
            (templates, joins.first().map(|l| l.to_string()))
        };
        let (lines, own) = welcome(first, a_name);
        let (lines_b, own_b) = welcome(second, b_name);
        let comment = if lines.is_empty() {
            format!("{a_name} received nothing after its name")
        } else {
            format!("{a_name} received {} after its name", q(&first.join(" / ")))
        };
        let value = match lines.as_slice() {
            [] => Value::String(String::new()),
            [one] => Value::String(one.clone()),
            many => Value::Array(many.iter().cloned().map(Value::String).collect()),
        };
        self.draft.set("welcome", value, comment);
        if lines != lines_b {
            self.draft.unsure(
                "welcome",
                format!(
                    "{b_name} received {} after its name",
                    q(&second.join(" / "))
                ),
            );
        }
        match own.or(own_b) {
            Some(line) => self.draft.set(
                "announce_self",
                false,
                format!(
                    "OBSERVED: the joiner received its own join line {}. The protocol \
                     announces a join to the others only (JOIN-3). If your assignment asks \
                     for that, set announce_self = true",
                    q(&line)
                ),
            ),
            None => self.draft.set(
                "announce_self",
                false,
                "the joiner did not receive its own join line",
            ),
        }
    }

    /// Says something plainly, then as `name: text`, and keeps the first form that gives
    /// the others a line naming the sender.
    async fn learn_chat(&mut self, a: &mut Conn, b: &mut Conn, c: &mut Conn) -> Result<(), Stop> {
        let [a_name, b_name, _] = NAMES;
        let mut text_only: Option<(String, String)> = None;
        for (i, text) in TEXTS.iter().enumerate() {
            let written = if i == 0 {
                text.to_string()
            } else {
                format!("{a_name}: {text}")
            };
            a.send(&self.frame(&written)).await;
            let got = self.gather_after(b, &mut [&mut *a, &mut *c]).await?;
            if self.framing.is_none() {
                self.framing = framing_of(&got[0].reads);
            }
            let (others, own) = (self.msgs(&got[0]), self.msgs(&got[1]));
            for line in own.iter().filter(|l| !l.contains(text)) {
                self.draft.note(
                    "send",
                    format!(
                        "{a_name} received {} when it wrote {}",
                        q(line),
                        q(&written)
                    ),
                );
            }
            let Some(line) = others.iter().find(|l| l.contains(text)) else {
                continue;
            };
            let named = line.contains(a_name);
            let Some(chat) = template(line, named.then_some(a_name), Some(text)) else {
                continue;
            };
            if !named || !chat.contains("{user}") {
                text_only.get_or_insert((
                    chat,
                    format!(
                        "{b_name} received {} when {a_name} wrote {}",
                        q(line),
                        q(&written)
                    ),
                ));
                continue;
            }
            let send = if i == 0 { "{text}" } else { "{user}: {text}" };
            self.draft.set(
                "chat",
                chat.clone(),
                format!(
                    "{b_name} received {} when {a_name} wrote {}",
                    q(line),
                    q(&written)
                ),
            );
            self.draft.set(
                "send",
                send,
                if i == 0 {
                    "the server names the sender itself".to_string()
                } else {
                    format!(
                        "plain text gave no line naming {a_name}; written as \"{a_name}: \
                         text\" it did"
                    )
                },
            );
            if let Some((only, _)) = &text_only {
                self.draft.unsure(
                    "chat",
                    format!(
                        "the server relays the text as written (plain text came as {}): \
                         chat = {} with send = \"{{text}}\" would describe it too",
                        q(only),
                        q(only)
                    ),
                );
            }
            self.chat = Some(chat.clone());
            self.learn_echo(&own, &chat, text, a_name);
            return Ok(());
        }
        match text_only {
            Some((chat, comment)) => {
                self.draft.set("chat", chat.clone(), comment);
                self.draft
                    .set("send", "{text}", "no line named the sender either way");
                self.chat = Some(chat);
            }
            None => {
                self.draft.set(
                    "chat",
                    chat_protocol::wording::CHAT_TEMPLATE,
                    "UNSURE: nobody received what anaqx wrote, plain or as \"anaqx: text\"",
                );
                self.draft.set("send", "{text}", "UNSURE: see chat");
            }
        }
        Ok(())
    }

    fn learn_echo(&mut self, own: &[String], chat: &str, text: &str, sender: &str) {
        let Some(line) = own.iter().find(|l| l.contains(text)) else {
            self.draft.set(
                "echo",
                false,
                format!("{sender} did not receive its own message back"),
            );
            return;
        };
        let wording = template(line, Some(sender), Some(text)).unwrap_or_else(|| literal(line));
        let change = if wording == chat {
            "set echo = true".to_string()
        } else {
            format!("set echo = {}", Value::String(wording))
        };
        self.draft.set(
            "echo",
            false,
            format!(
                "OBSERVED: {sender} received its own {} back. The protocol forbids echo \
                 (CHAT-2). If your assignment asks for echo, {change}",
                q(line)
            ),
        );
    }

    /// Tries the quit words in turn as the first user, until one makes the server announce
    /// a leave or close the connection.
    async fn learn_quit(&mut self, a: &mut Conn, b: &mut Conn, c: &mut Conn) -> Result<(), Stop> {
        let [a_name, b_name, _] = NAMES;
        for word in QUIT_WORDS {
            if a.closed {
                break;
            }
            a.send(&self.frame(word)).await;
            let got = self.gather_after(b, &mut [&mut *a, &mut *c]).await?;
            let others = self.msgs(&got[0]);
            let as_chat = self.chat.as_ref().and_then(|t| render(t, a_name, word));
            if others.iter().any(|l| Some(l) == as_chat.as_ref()) {
                continue;
            }
            let about: Vec<&String> = others.iter().filter(|l| l.contains(a_name)).collect();
            if about.is_empty() && !got[1].closed {
                continue;
            }
            self.draft.set(
                "quit",
                *word,
                format!(
                    "after {a_name} wrote {}, {}",
                    q(word),
                    if about.is_empty() {
                        "the server closed its connection".to_string()
                    } else {
                        format!("{b_name} received {}", q(about[0]))
                    }
                ),
            );
            self.learn_leave_on(&others, a_name, &format!("wrote {}", q(word)));
            let mut own = self.msgs(&got[1]);
            if !got[1].closed {
                let more = a.gather(self.waits.brief()).await;
                self.check(&more)?;
                own.extend(self.msgs(&more));
            }
            self.learn_farewell(&own, a_name);
            return Ok(());
        }
        self.draft.set(
            "quit",
            chat_protocol::wording::QUIT_WORD,
            format!(
                "OBSERVED: none of {} made the server announce a leave or close the \
                 connection. The protocol has a quit word (QUIT-1). If your assignment has \
                 none, set quit = \"\"",
                QUIT_WORDS.join(" ")
            ),
        );
        self.draft.set("farewell", "", "no quit word was found");
        self.draft
            .set("leave_to_self", false, "no quit word was found");
        Ok(())
    }

    fn learn_farewell(&mut self, own: &[String], quitter: &str) {
        let own_leave = self.leave.as_ref().and_then(|l| render(l, quitter, ""));
        let (leaves, rest): (Vec<&String>, Vec<&String>) = own
            .iter()
            .partition(|l| Some(l.as_str()) == own_leave.as_deref());
        let farewell: Vec<String> = rest
            .iter()
            .map(|l| template(l, Some(quitter), None).unwrap_or_else(|| literal(l)))
            .collect();
        match farewell.as_slice() {
            [] => self.draft.set(
                "farewell",
                "",
                format!("{quitter} received nothing after the quit word"),
            ),
            [one, more @ ..] => {
                self.draft.set(
                    "farewell",
                    one.clone(),
                    format!("{quitter} received {} after the quit word", q(rest[0])),
                );
                for line in more {
                    self.draft
                        .unsure("farewell", format!("{quitter} also received {}", q(line)));
                }
            }
        }
        match leaves.first() {
            Some(line) => self.draft.set(
                "leave_to_self",
                false,
                format!(
                    "OBSERVED: {quitter} received its own leave line {} after the quit word. \
                     The protocol announces a leave to the others (LEAVE-1). If your \
                     assignment asks for that, set leave_to_self = true",
                    q(line)
                ),
            ),
            None => self.draft.set(
                "leave_to_self",
                false,
                format!("{quitter} did not receive its own leave line"),
            ),
        }
    }

    /// Learns (or confirms) the leave template from the lines others saw when `who` left.
    fn learn_leave_on(&mut self, seen: &[String], who: &str, how: &str) {
        let line = seen.iter().find(|l| l.contains(who));
        let leave = line.and_then(|l| template(l, Some(who), None));
        let said = format!(
            "{} received {} when {who} {how}",
            NAMES[1],
            line.map_or("nothing about it".to_string(), |l| q(l))
        );
        match (&self.leave, leave) {
            (None, Some(leave)) => {
                self.draft.note("leave", said);
                self.leave = Some(leave);
            }
            (Some(known), again) if again.as_ref() != Some(known) => {
                self.draft.unsure("leave", said);
            }
            _ => self.draft.note("leave", said),
        }
    }

    fn draft_leave(&mut self) {
        match self.leave.clone() {
            Some(leave) => self
                .draft
                .set("leave", leave, "the others' line when a user left"),
            None => self.draft.set(
                "leave",
                chat_protocol::wording::LEAVE_TEMPLATE,
                "OBSERVED: no line named a user who left. The protocol announces every leave \
                 (LEAVE-1, LEAVE-2). If your assignment has no leave lines, set leave = \"\"",
            ),
        }
    }

    /// The steps that can hurt a fragile server: a close before the name, a taken name,
    /// a reset.
    pub async fn fragile(&mut self) -> Result<(), Stop> {
        let [d_name, f_name] = LATE_NAMES;
        // A client that leaves before its name (JOIN-7) must harm nobody.
        match Conn::open(self.addr, CONNECT_BOUND).await {
            Ok(early) => drop(early),
            Err(e) => {
                return Err(Stop::CannotTell(format!(
                    "the server stopped accepting connections: {e}"
                )));
            }
        }
        let (mut d, _) = self.arrive(d_name).await?;
        let welcome = d.gather(self.waits).await;
        self.check(&welcome)?;
        if welcome.closed {
            self.draft.general(format!(
                "UNSURE: after a client closed before its name, {d_name} was refused: the \
                 server may not survive an early close (JOIN-7)"
            ));
            return Ok(());
        }
        // The same name again.
        let (mut e, _) = self.arrive(d_name).await?;
        let got = self.gather_all(&mut [&mut e, &mut d]).await?;
        self.learn_reject(&got[0], &self.msgs(&got[1]), d_name);
        drop(e);
        // A reset: the others must see the leave line as for a close.
        let (mut f, _) = self.arrive(f_name).await?;
        let _ = self.gather_all(&mut [&mut f, &mut d]).await?;
        f.reset();
        let Some(seen) = self
            .unless_flooded(&mut d, f_name, "reset its connection")
            .await
        else {
            return Ok(());
        };
        let line = self.msgs(&seen).into_iter().find(|l| l.contains(f_name));
        let again = line
            .as_deref()
            .and_then(|l| template(l, Some(f_name), None));
        if self.leave.is_some() && again != self.leave {
            self.draft.unsure(
                "leave",
                format!(
                    "when {f_name} reset its connection, {d_name} received {}",
                    line.map_or("nothing about it".to_string(), |l| q(&l))
                ),
            );
        }
        Ok(())
    }

    fn learn_reject(&mut self, got: &Gathered, holder_saw: &[String], name: &str) {
        let lines = self.msgs(got);
        let prompt = self.prompt.trim();
        let is_prompt = |l: &str| !prompt.is_empty() && l.trim() == prompt;
        let error = lines.iter().find(|l| !is_prompt(l));
        let reprompted = lines.iter().skip(1).any(|l| is_prompt(l));
        if holder_saw.iter().any(|l| l.contains(name))
            || (!got.closed && !reprompted && error.is_some_and(|l| l.contains(name)))
        {
            self.draft.set(
                "error",
                format!("{}{{reason}}", chat_protocol::wording::ERROR_PREFIX),
                format!(
                    "UNSURE: a second {name} seemed accepted: no refusal to learn the wording from"
                ),
            );
            self.draft.set("reject", "close", "UNSURE: see error");
            return;
        }
        match error {
            Some(line) => self.draft.set(
                "error",
                error_template(line),
                format!("a second {name} received {}", q(line)),
            ),
            None => self.draft.set(
                "error",
                format!("{}{{reason}}", chat_protocol::wording::ERROR_PREFIX),
                format!(
                    "UNSURE: a second {name} received no line{}",
                    if got.closed { " before the close" } else { "" }
                ),
            ),
        }
        if got.closed || !reprompted {
            self.draft.set(
                "reject",
                "close",
                if got.closed {
                    "the server then closed the connection"
                } else {
                    "UNSURE: the connection stayed open, but no prompt came again"
                },
            );
        } else {
            self.draft.set(
                "reject",
                "close",
                "OBSERVED: the taken name was refused and the prompt came again. The protocol \
                 closes the connection after the error (INPUT-2). If your assignment asks for \
                 that, set reject = \"reprompt\"",
            );
        }
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
