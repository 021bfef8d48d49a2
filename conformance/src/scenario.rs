//! Scenarios as data: the step format teachers write tests in (`fixtures/scenarios/*.chat`).
//!
//! A scenario reads like a transcript. Header lines name it; then one step per line:
//!
//! ```text
//! test scenario.greeting
//! requirement CHAT-1
//! title two users greet each other
//!
//! ana joins                 # connects, sends its name, waits for the welcome line
//! beto joins
//! ana sees JOIN beto
//! ana says hola             # a chat message, in the profile's `send` wording
//! beto sees CHAT ana hola
//! beto sees nothing         # proved with a sentinel from another user, not a sleep
//! mudo connects             # connects, sends nothing
//! ana sends \x1b[2J         # raw line (escapes: \n \r \t \\ \xNN), newline added
//! beto quits                # the profile's quit word
//! ana sees LEAVE beto
//! carla closes              # FIN;  `resets` for RST
//! dani is disconnected      # the server must close dani's connection
//! ana sees ERROR            # any error line
//! ```
//!
//! `level strict` may follow `requirement`, and `causes TEXT` (what usually makes a server fail
//! it, shown by `--explain`) may follow `title`. Names in a scenario are made unique on the wire,
//! so a scenario can run against a server other people are using.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::case::TestCase;
use crate::model::Level;
use crate::session::Session;
use crate::user::User;
use crate::verdict::{Failure, Outcome, Verdict};
use crate::wire::Event;

/// What a user must see next. User names are the scenario's names (`ana`), not the unique
/// names used on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// `sees JOIN USER`: the join line of that user, next.
    Join(String),
    /// `sees LEAVE USER`: the leave line of that user, next.
    Leave(String),
    /// `sees CHAT FROM TEXT`: the chat line of sender `FROM` with exactly `TEXT` (the rest of
    /// the step, spaces included), next.
    Chat(String, String),
    /// `sees ERROR`: an error line in the profile's `error` wording, whatever its reason.
    AnyError,
    /// `sees nothing`: nothing arrives before a sentinel from another joined user (a
    /// barrier, never a sleep); the step fails when no other user has joined.
    Nothing,
}

/// One step of a scenario. The first field is always the acting user, by its scenario name
/// (letters, digits and `_`); the parser checks that each user acts only while connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `USER joins`: connects, sends its name, and waits for the welcome line when the
    /// profile has one (and for its own join line when the profile announces it).
    Joins(String),
    /// `USER connects`: connects and sends nothing, not even a name.
    Connects(String),
    /// `USER says TEXT`: a chat message, written in the profile's `send` wording.
    Says(String, String),
    /// `USER sends RAW`: these exact bytes, escapes decoded, with the `\n` already appended.
    Sends(String, Vec<u8>),
    /// `USER sees …`: what the user must receive next.
    Sees(String, Expect),
    /// `USER quits`: writes the profile's quit word (the scenario is skipped when the profile
    /// has none). The user may still see lines, or wait to be disconnected, afterwards.
    Quits(String),
    /// `USER closes`: closes the connection politely (FIN).
    Closes(String),
    /// `USER resets`: aborts the connection (RST), as a killed client does.
    Resets(String),
    /// `USER is disconnected`: the server must close this user's connection.
    IsDisconnected(String),
}

/// A parsed scenario file.
#[derive(Debug, Clone)]
pub struct Script {
    /// The `test` header: a `group.name` id, e.g. `scenario.greeting`.
    pub id: &'static str,
    /// The `requirement` header: a requirement id that PROTOCOL.md has, e.g. `CHAT-1`.
    pub requirement: &'static str,
    /// The `level` header; `core` when the header has none.
    pub level: Level,
    /// The `title` header; the id when the header has none.
    pub title: &'static str,
    /// The file the scenario came from, as given; failures and `--explain` name it.
    pub source: String,
    /// Each step with its line number.
    pub steps: Vec<(usize, Step)>,
    /// Each step as written (comments removed), for `--explain`.
    pub written: Vec<String>,
    /// The header's `causes` line: what usually makes a server fail it, for `--explain`.
    pub causes: Option<String>,
}

/// A scenario that cannot be used, with the file and line.
#[derive(Debug)]
pub struct ScriptError {
    /// The scenario file, as given.
    pub file: String,
    /// The line at fault, from 1; 0 when the error is about the whole file (unreadable, a
    /// header line missing, no steps).
    pub line: usize,
    /// What is wrong, and usually how to write it instead.
    pub message: String,
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "scenario {}: {}", self.file, self.message)
        } else {
            write!(f, "scenario {}:{}: {}", self.file, self.line, self.message)
        }
    }
}

impl std::error::Error for ScriptError {}

/// Strings live as long as the process: scenarios are loaded once, at start-up.
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

impl Script {
    /// Reads and parses the scenario file at `path` (see [`Script::parse`]).
    pub fn load(path: &Path) -> Result<Script, ScriptError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ScriptError {
            file: file.clone(),
            line: 0,
            message: format!("cannot read it: {e}"),
        })?;
        Script::parse(&file, &text)
    }

    /// Parses scenario `text`; `file` names it in errors and failures. Checks the header
    /// (`test` and `requirement` required, the requirement known to PROTOCOL.md), every
    /// step's syntax, and that each user acts only while connected.
    pub fn parse(file: &str, text: &str) -> Result<Script, ScriptError> {
        let err = |line: usize, message: String| ScriptError {
            file: file.to_string(),
            line,
            message,
        };
        let mut header: HashMap<&str, (usize, &str)> = HashMap::new();
        let mut steps = Vec::new();
        let mut written = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let n = n + 1;
            let line = strip_comment(raw).trim();
            if line.is_empty() {
                continue;
            }
            let (first, rest) = split_word(line);
            if matches!(first, "test" | "requirement" | "level" | "title" | "causes") {
                if !steps.is_empty() {
                    return Err(err(
                        n,
                        format!("`{first}` belongs in the header, before the steps"),
                    ));
                }
                if rest.is_empty() {
                    return Err(err(n, format!("`{first}` needs a value")));
                }
                header.insert(first, (n, rest));
                continue;
            }
            steps.push((n, parse_step(line).map_err(|m| err(n, m))?));
            written.push(line.to_string());
        }
        let get = |key: &str| {
            header
                .get(key)
                .map(|(_, v)| *v)
                .ok_or_else(|| err(0, format!("the header needs a `{key}` line")))
        };
        let id = get("test")?;
        let (group, name) = id.split_once('.').unwrap_or(("", ""));
        if group.is_empty() || name.is_empty() || id.contains(char::is_whitespace) {
            return Err(err(
                header["test"].0,
                format!("test id `{id}` must look like group.name"),
            ));
        }
        let requirement = get("requirement")?;
        if crate::requirements::lookup(requirement).is_none() {
            return Err(err(
                header["requirement"].0,
                format!("`{requirement}` is not a requirement id of PROTOCOL.md"),
            ));
        }
        let level = match header.get("level").map(|(n, v)| (*n, *v)) {
            None | Some((_, "core")) => Level::Core,
            Some((_, "strict")) => Level::Strict,
            Some((n, other)) => return Err(err(n, format!("level `{other}`: use core or strict"))),
        };
        if steps.is_empty() {
            return Err(err(0, "there are no steps".into()));
        }
        check_users(&steps).map_err(|(n, m)| err(n, m))?;
        Ok(Script {
            id: leak(id),
            requirement: leak(requirement),
            level,
            title: leak(header.get("title").map_or(id, |(_, v)| v)),
            causes: header.get("causes").map(|(_, v)| v.to_string()),
            source: file.to_string(),
            steps,
            written,
        })
    }
}

fn strip_comment(line: &str) -> &str {
    match line.find(" #") {
        Some(at) => &line[..at],
        None if line.trim_start().starts_with('#') => "",
        None => line,
    }
}

fn split_word(s: &str) -> (&str, &str) {
    match s.split_once(char::is_whitespace) {
        Some((a, b)) => (a, b.trim_start()),
        None => (s, ""),
    }
}

fn parse_step(line: &str) -> Result<Step, String> {
    let (user, rest) = split_word(line);
    let (verb, arg) = split_word(rest);
    if !user.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(format!("`{user}` is not a user name (letters, digits, _)"));
    }
    let user = user.to_string();
    let needs_nothing = |step: Step| {
        if arg.is_empty() {
            Ok(step)
        } else {
            Err(format!("`{verb}` takes nothing after it, found `{arg}`"))
        }
    };
    match verb {
        "joins" => needs_nothing(Step::Joins(user)),
        "connects" => needs_nothing(Step::Connects(user)),
        "quits" => needs_nothing(Step::Quits(user)),
        "closes" => needs_nothing(Step::Closes(user)),
        "resets" => needs_nothing(Step::Resets(user)),
        "is" if arg == "disconnected" => Ok(Step::IsDisconnected(user)),
        "says" if !arg.is_empty() => Ok(Step::Says(user, arg.to_string())),
        "sends" => {
            let mut bytes = unescape(arg)?;
            bytes.push(b'\n');
            Ok(Step::Sends(user, bytes))
        }
        "sees" => {
            let (kind, what) = split_word(arg);
            let expect = match kind {
                "JOIN" if !what.is_empty() => Expect::Join(what.to_string()),
                "LEAVE" if !what.is_empty() => Expect::Leave(what.to_string()),
                "CHAT" => {
                    let (from, text) = split_word(what);
                    if from.is_empty() || text.is_empty() {
                        return Err("write `USER sees CHAT FROM TEXT`".into());
                    }
                    Expect::Chat(from.to_string(), text.to_string())
                }
                "ERROR" if what.is_empty() => Expect::AnyError,
                "nothing" if what.is_empty() => Expect::Nothing,
                _ => {
                    return Err(format!(
                        "`sees {arg}`: use JOIN USER, LEAVE USER, CHAT USER TEXT, ERROR or nothing"
                    ));
                }
            };
            Ok(Step::Sees(user, expect))
        }
        "" => Err(format!("`{user}` alone: what does {user} do?")),
        other => Err(format!(
            "unknown step `{other}`: use joins, connects, says, sends, sees, quits, closes, \
             resets, is disconnected"
        )),
    }
}

fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next() {
            Some('n') => out.push(b'\n'),
            Some('r') => out.push(b'\r'),
            Some('t') => out.push(b'\t'),
            Some('\\') => out.push(b'\\'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                let byte = u8::from_str_radix(&hex, 16)
                    .map_err(|_| format!("`\\x{hex}` is not a byte: write \\xNN"))?;
                out.push(byte);
            }
            other => {
                return Err(format!(
                    "unknown escape `\\{}`: use \\n \\r \\t \\\\ \\xNN",
                    other.map(String::from).unwrap_or_default()
                ));
            }
        }
    }
    Ok(out)
}

/// Every user acts only while connected, and is connected once at a time. After `quits`
/// the user may still see what arrives, wait to be disconnected, or join again.
fn check_users(steps: &[(usize, Step)]) -> Result<(), (usize, String)> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Off,
        On,
        Quitting,
    }
    let mut states: HashMap<&str, State> = HashMap::new();
    for (n, step) in steps {
        let user = match step {
            Step::Joins(u)
            | Step::Connects(u)
            | Step::Quits(u)
            | Step::Closes(u)
            | Step::Resets(u)
            | Step::IsDisconnected(u)
            | Step::Says(u, _)
            | Step::Sends(u, _)
            | Step::Sees(u, _) => u.as_str(),
        };
        let state = states.get(user).copied().unwrap_or(State::Off);
        let next = match (step, state) {
            (Step::Joins(_) | Step::Connects(_), State::On) => {
                return Err((*n, format!("{user} is already connected")));
            }
            (Step::Joins(_) | Step::Connects(_), _) => State::On,
            (_, State::Off) => {
                return Err((
                    *n,
                    format!("{user} is not connected here (add `{user} joins` first)"),
                ));
            }
            (Step::Quits(_), State::Quitting) => {
                return Err((*n, format!("{user} has already quit")));
            }
            (Step::Quits(_), _) => State::Quitting,
            (Step::Says(..) | Step::Sends(..), State::Quitting) => {
                return Err((*n, format!("{user} has quit: it cannot send any more")));
            }
            (Step::Closes(_) | Step::Resets(_) | Step::IsDisconnected(_), _) => State::Off,
            (_, state) => state,
        };
        states.insert(user, next);
    }
    Ok(())
}

/// The scenario as a test of the catalogue: its body runs this very script.
pub fn test_case(script: Arc<Script>) -> TestCase {
    let steps = format!(
        "the steps of {}, one after another:\n    {}",
        script.source,
        script.written.join("\n    ")
    );
    let causes = script.causes.clone().unwrap_or_else(|| {
        format!(
            "{} does not say (a `causes` line in its header would)",
            script.source
        )
    });
    TestCase::declare(script.id, script.level, script.requirement, script.title)
        .steps(steps)
        .causes(causes)
        .run(move |s| execute(s, Arc::clone(&script)))
}

/// Runs `script` step by step.
pub async fn execute(mut s: Session, script: Arc<Script>) -> Outcome {
    let quits = script
        .steps
        .iter()
        .any(|(_, step)| matches!(step, Step::Quits(_)));
    if quits && s.profile().quit.is_none() {
        return Err(Verdict::Skip(
            "the scenario uses the quit word, and the profile has none".into(),
        ));
    }
    let mut cast = Cast::default();
    for (line, step) in &script.steps {
        if let Err(mut failure) = run_step(&mut s, &mut cast, step).await {
            s.shared.transcript.freeze();
            // Say which step of which file failed.
            failure.expected = format!("{}:{line}: {}", script.source, failure.expected);
            return Err(Verdict::Fail(failure));
        }
    }
    // The story ends with the last step; closing the connections is not part of it.
    s.shared.transcript.freeze();
    Ok(())
}

/// The users of a running scenario.
#[derive(Default)]
struct Cast {
    users: HashMap<String, User>,
    /// Join order, for picking who sends a barrier's sentinel.
    order: Vec<String>,
    /// (observer, joiner): a `sees JOIN` the harness already settled while the first two
    /// users joined without a welcome line ([`Session::settle_second_join`]).
    settled: Vec<(String, String)>,
    /// Whether the second join has happened (settled or not).
    two_joined: bool,
}

async fn run_step(s: &mut Session, cast: &mut Cast, step: &Step) -> Result<(), Failure> {
    let Cast {
        users,
        order,
        settled,
        two_joined,
    } = cast;
    let wire = |name: &str| s.wire_name(name);
    match step {
        Step::Joins(u) => {
            let mut user = s.join(u).await?;
            let second = !*two_joined && order.len() == 1;
            *two_joined |= second;
            if let [first] = order.as_slice()
                && second
                && s.second_join_unordered()
            {
                // Either of the first two may have heard of the other's join: the harness
                // settles it, and `first sees JOIN u` has nothing left to wait for.
                let first = first.clone();
                let observer = users.get_mut(&first).expect("joined users are present");
                s.settle_second_join(observer, &mut user).await?;
                settled.push((first, u.clone()));
            } else if s.profile().join.is_none() {
                // No join lines: the joiner's sentinel reaches everyone present now, and
                // the script's `sees JOIN` steps have nothing left to wait for.
                let mut present: Vec<&mut User> = users
                    .iter_mut()
                    .filter(|(name, _)| order.contains(name))
                    .map(|(_, user)| user)
                    .collect();
                s.sees_join(&mut user, &mut present).await?;
            }
            users.insert(u.clone(), user);
            order.retain(|o| o != u);
            order.push(u.clone());
        }
        Step::Connects(u) => {
            let user = s.connect(u).await?;
            users.insert(u.clone(), user);
        }
        Step::Says(u, text) => user(users, u)?.say(text).await?,
        Step::Sends(u, bytes) => user(users, u)?.send_raw(bytes).await?,
        Step::Quits(u) => {
            match user(users, u)?.quit().await {
                Some(r) => r?,
                None => {
                    return Err(Failure::new(
                        "a profile with a quit word",
                        "the profile has none",
                    ));
                }
            }
            // A user who quit sends no sentinels.
            order.retain(|o| o != u);
        }
        Step::Closes(u) => {
            if let Some(user) = users.remove(u) {
                user.close().await;
            }
            order.retain(|o| o != u);
        }
        Step::Resets(u) => {
            if let Some(user) = users.remove(u) {
                user.reset();
            }
            order.retain(|o| o != u);
        }
        Step::IsDisconnected(u) => {
            user(users, u)?.expect_closed().await?;
            users.remove(u);
            order.retain(|o| o != u);
        }
        Step::Sees(u, Expect::Nothing) => {
            let Some(sender) = order.iter().find(|o| *o != u).cloned() else {
                return Err(Failure::new(
                    format!("another joined user to send the sentinel proving {u} sees nothing"),
                    "there is none",
                ));
            };
            let mut sender_user = users.remove(&sender).expect("joined users are present");
            let result = match users.get_mut(u) {
                Some(observer) => s.barrier(&mut sender_user, &mut [observer]).await,
                None => Err(Failure::new(format!("{u} is connected"), "it is not")),
            };
            users.insert(sender, sender_user);
            let before = result?;
            let observer = user(users, u)?;
            crate::session::nothing_else(observer, &before[0], "here")?;
        }
        Step::Sees(u, Expect::AnyError) => {
            let observer = user(users, u)?;
            let got = observer.next().await?;
            if !matches!(got, Event::Error { .. }) {
                return Err(Failure::new(
                    format!("{u} receives an error line"),
                    format!("{u} received {}", observer.show(&got)),
                ));
            }
        }
        // Without join lines, `u sees JOIN v` was settled when v joined (its sentinel reached
        // everyone present); without leave lines, `u sees LEAVE v` is the server closing v's
        // connection, if the script still holds it (as `Gone::seen_by`).
        Step::Sees(_, Expect::Join(_)) if s.profile().join.is_none() => {}
        Step::Sees(u, Expect::Join(v)) if settled.contains(&(u.clone(), v.clone())) => {
            settled.retain(|pair| *pair != (u.clone(), v.clone()));
        }
        Step::Sees(_, Expect::Leave(v)) if s.profile().leave.is_none() => {
            if let Some(leaver) = users.get_mut(v) {
                leaver.expect_closed().await?;
                users.remove(v);
            }
        }
        Step::Sees(u, expect) => {
            let want = match expect {
                Expect::Join(v) => Event::Join { user: wire(v) },
                Expect::Leave(v) => Event::Leave { user: wire(v) },
                Expect::Chat(v, text) => Event::Chat {
                    user: wire(v),
                    text: text.clone(),
                },
                Expect::AnyError | Expect::Nothing => unreachable!("handled above"),
            };
            // (A join not seen is marked a setup step relying on JOIN-2 by `User::expect`.)
            user(users, u)?.expect(&want).await?;
        }
    }
    Ok(())
}

fn user<'a>(users: &'a mut HashMap<String, User>, name: &str) -> Result<&'a mut User, Failure> {
    users
        .get_mut(name)
        .ok_or_else(|| Failure::new(format!("{name} is connected"), "it is not"))
}

/// The scenarios of the built-in catalogue: every `conformance/scenarios/*.chat`, embedded in
/// the binary by `build.rs` as (file name, text), sorted by name.
const BUILT_IN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/built_in_scenarios.rs"));

/// The built-in scenarios, parsed once.
pub fn built_in() -> &'static [Arc<Script>] {
    static SCRIPTS: std::sync::LazyLock<Vec<Arc<Script>>> = std::sync::LazyLock::new(|| {
        BUILT_IN
            .iter()
            .map(|(file, text)| {
                let script = Script::parse(&format!("built-in {file}"), text)
                    .unwrap_or_else(|e| panic!("a built-in scenario is invalid: {e}"));
                Arc::new(script)
            })
            .collect()
    });
    &SCRIPTS
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "test scenario.greeting\nrequirement CHAT-1\ntitle greet\n\n\
        ana joins\nbeto joins # comment\nana sees JOIN beto\nana says hola que tal\n\
        beto sees CHAT ana hola que tal\nbeto sends a\\x1bb\\t\nbeto quits\nana sees LEAVE beto\n\
        ana sees ERROR\nana is disconnected\n";

    #[test]
    fn a_scenario_parses_into_steps() {
        let s = Script::parse("g.chat", GOOD).unwrap();
        assert_eq!(s.id, "scenario.greeting");
        assert_eq!(s.level, Level::Core);
        assert_eq!(s.steps.len(), 10);
        assert_eq!(s.steps[1], (6, Step::Joins("beto".into())));
        assert_eq!(
            s.steps[4].1,
            Step::Sees(
                "beto".into(),
                Expect::Chat("ana".into(), "hola que tal".into())
            )
        );
        assert_eq!(
            s.steps[5].1,
            Step::Sends("beto".into(), b"a\x1bb\t\n".to_vec())
        );
    }

    #[test]
    fn the_built_in_scenarios_parse() {
        assert_eq!(built_in().len(), BUILT_IN.len());
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let on_disk = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "chat")
            })
            .count();
        assert_eq!(
            BUILT_IN.len(),
            on_disk,
            "every scenarios/*.chat is built in"
        );
        assert!(BUILT_IN.iter().any(|(f, _)| *f == "cleanup.rejoin.chat"));
    }

    #[test]
    fn mistakes_are_reported_with_file_and_line() {
        let cases = [
            (
                "requirement CHAT-1\nana joins\n",
                "the header needs a `test` line",
            ),
            (
                "test x\nrequirement CHAT-1\nana joins\n",
                "must look like group.name",
            ),
            (
                "test a.b\nrequirement NOPE-1\nana joins\n",
                ":2: `NOPE-1` is not a requirement",
            ),
            (
                "test a.b\nrequirement CHAT-1\nana dances\n",
                ":3: unknown step `dances`",
            ),
            (
                "test a.b\nrequirement CHAT-1\nana says hi\n",
                ":3: ana is not connected here",
            ),
            (
                "test a.b\nrequirement CHAT-1\nana joins\nana joins\n",
                ":4: ana is already connected",
            ),
            (
                "test a.b\nrequirement CHAT-1\nana joins\nana sees HELLO\n",
                ":4: `sees HELLO`",
            ),
            (
                "test a.b\nrequirement CHAT-1\nana joins\nana sends \\q\n",
                "unknown escape",
            ),
            ("test a.b\nrequirement CHAT-1\n", "there are no steps"),
        ];
        for (text, want) in cases {
            let got = Script::parse("t.chat", text).unwrap_err().to_string();
            assert!(got.contains(want), "{text:?}: got {got:?}, want {want:?}");
        }
    }
}
