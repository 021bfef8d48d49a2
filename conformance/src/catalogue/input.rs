//! `input`: rejected names and hostile chat input — blank, duplicate, over-long and control
//! names, over-long lines, megabytes without a newline, invalid UTF-8, terminal control
//! characters (INPUT-*).
//!
//! Also home of [`RawClient`], a connection the test drives byte by byte without a reader
//! task, for users that must not read (SLOW-1) or that send more than a transcript should
//! hold (INPUT-5).

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::case::TestCase;
use crate::model::Direction;
use crate::profile::{Framing, Profile};
use crate::session::Session;
use crate::user::Shared;
use crate::user::User;
use crate::verdict::{Failure, Outcome, Verdict};
use crate::wire::{Classifier, Decoder, Event, decoder_for, strip_ansi};

pub fn tests() -> Vec<TestCase> {
    vec![
        TestCase::strict(
            "input.empty_name",
            "INPUT-1",
            "a blank name is refused with an error and the connection is closed",
        )
        .steps(
            "ana and beto join; a third client connects and sends a name made only of \
                    spaces and a tab; it must receive an error line and then be disconnected; \
                    beto sends a sentinel, and ana must receive nothing before it (no join).",
        )
        .causes(
            "the name is used without `.strip()` and an emptiness check; a blank name \
                     is registered and announced as ` se ha unido al chat`; the error is sent \
                     but the handler carries on (missing `return` after it), so the socket is \
                     never closed.",
        )
        .run(empty_name),
        TestCase::strict(
            "input.duplicate_name",
            "INPUT-2",
            "a name already in use is refused; its owner is unaffected",
        )
        .steps(
            "ana and beto join; a second client sends ana's name; it must receive an \
                     error line and then be disconnected; ana sends a sentinel and beto must \
                     receive nothing before it (no second join of ana); then ana and beto \
                     exchange a message each way.",
        )
        .causes(
            "no name check in add_client (a dict keyed by name silently replaces the \
                     first ana, whose messages then go nowhere); the check is done without the \
                     lock, so two clients can take the same name; the refused client's \
                     cleanup removes the *other* ana (remove by name instead of by object) and \
                     announces her leave.",
        )
        .run(duplicate_name),
        TestCase::strict(
            "input.long_name",
            "INPUT-3",
            "a 200-character name is refused with an error and the connection closed",
        )
        .steps(
            "ana and beto join; a third client sends a 200-character name; it must \
                    receive an error line and then be disconnected; beto sends a sentinel and \
                    ana must receive nothing before it (no join).",
        )
        .causes(
            "no length limit on names (`if len(name) > MAX_NAME`); the name is \
                     silently truncated and accepted instead of refused.",
        )
        .run(long_name),
        TestCase::strict(
            "input.control_name",
            "INPUT-4",
            "a name containing an escape sequence is refused",
        )
        .steps(
            "ana and beto join; a third client sends a name containing ESC `[31m` (a \
                    terminal colour code); it must receive an error line and then be \
                    disconnected; beto sends a sentinel and ana must receive nothing before it \
                    (no join).",
        )
        .causes(
            "names are only checked for being empty, not for control characters \
                     (`any(unicodedata.category(c)[0] == 'C' for c in name)`), so one user can \
                     recolour or clear everyone's terminal with every line that carries its \
                     name.",
        )
        .run(control_name),
        TestCase::strict(
            "input.long_line",
            "INPUT-5",
            "a 20,000-byte line is not broadcast; its sender gets an error and stays",
        )
        .steps(
            "ana and beto join; ana sends one line of 20,000 bytes; ana must receive an \
                    error line; ana's next message must reach beto with nothing before it \
                    (the long line is not broadcast, in whole or in pieces); beto sends a \
                    sentinel and ana must receive nothing else.",
        )
        .causes(
            "no limit on the line length (the whole line is buffered and broadcast); \
                     a fixed-size recv() cuts the line into pieces that are broadcast one by \
                     one; the sender is disconnected instead of being told.",
        )
        .run(long_line),
        TestCase::strict(
            "input.no_newline_flood",
            "INPUT-5",
            "8 MiB without a newline: refused, never broadcast, the room keeps chatting",
        )
        .steps(
            "beto and carla join, then ana; ana streams 8 MiB without a newline (64 KiB \
                    per write), then a newline, while beto and carla keep exchanging messages; \
                    ana must then receive an error line or be disconnected (either is fine); \
                    ana's next message (or its leave) must reach beto and carla with nothing \
                    of the flood before it; beto and carla then exchange sentinels.",
        )
        .causes(
            "`buffer += data` until a newline arrives: memory grows without bound and \
                     the 8 MiB line is finally broadcast; the handler reads the whole line \
                     while holding the lock, stalling everyone else.",
        )
        .run(no_newline_flood),
        TestCase::strict(
            "input.invalid_utf8",
            "INPUT-6",
            "invalid UTF-8 is replaced or refused, and the sender's handler survives",
        )
        .steps(
            "ana and beto join; ana sends `ho`, the bytes FF FE, then `la`; either beto \
                    receives ana's chat `ho�la` (each invalid sequence replaced by U+FFFD) or \
                    ana receives an error line; either way ana's next valid line must reach \
                    beto.",
        )
        .causes(
            "`data.decode('utf-8')` without `errors='replace'`: the UnicodeDecodeError \
                     kills the handler thread (no cleanup, no leave, a ghost in the list), or \
                     the whole server if it is not caught.",
        )
        .run(invalid_utf8),
        TestCase::strict(
            "input.control_text",
            "INPUT-7",
            "control characters in a chat message never reach another user raw",
        )
        .steps(
            "ana and beto join; ana sends a message containing ESC `[2J` (clear \
                    screen), ESC `c` (terminal reset), BEL, backspace and a carriage return \
                    in the middle; beto must receive it as one chat line (or ana an error \
                    line), and nothing beto receives may contain a control character other \
                    than TAB; ana's next line must reach beto.",
        )
        .causes(
            "the text is relayed as received: anyone can clear, recolour or rewrite \
                     the other users' terminals (replace each control character, e.g. with \
                     U+FFFD, before broadcasting).",
        )
        .run(control_text),
    ]
}

// ---------------------------------------------------------------------------------------------
// Names.

async fn empty_name(mut s: Session) -> Outcome {
    let mut users = s.join_all(&["ana", "beto"]).await?;
    let blank = "  \t  ";
    let mut vacio = candidate(&s, "blank", &[blank]).await?;
    if !s.profile().prompt.is_empty() {
        vacio.expect(&Event::Prompt).await?;
    }
    vacio.send_message(blank).await?;
    expect_refused(&s, &mut vacio, "its name is blank").await?;
    no_join_seen(&mut s, &mut users, "after the blank name was refused").await
}

async fn duplicate_name(mut s: Session) -> Outcome {
    let mut users = s.join_all(&["ana", "beto"]).await?;
    let ana_wire = users[0].wire.clone();
    let mut copia = User::connect(s.shared.clone(), "ana#2", &ana_wire).await?;
    copia.send_name().await?;
    expect_refused(&s, &mut copia, "ana's name is already in use").await?;
    drop(copia);
    let [ana, beto] = users.as_mut_slice() else {
        unreachable!()
    };
    // A second join of ana, or a leave of ana from the refused client's cleanup, would show
    // up here.
    let before = s.barrier(ana, &mut [beto]).await?;
    nothing_else(beto, &before[0], "after a second client tried ana's name")?;
    ana.say("sigo siendo yo").await?;
    beto.expect(&Event::chat(ana, "sigo siendo yo")).await?;
    beto.say("te leo, ana").await?;
    ana.expect(&Event::chat(beto, "te leo, ana")).await?;
    Ok(())
}

async fn long_name(mut s: Session) -> Outcome {
    let mut users = s.join_all(&["ana", "beto"]).await?;
    let mut name = s.wire_name("largo");
    while name.chars().count() < 200 {
        name.push('x');
    }
    let mut largo = candidate(&s, "largo", &[&name]).await?;
    largo.send_name().await?;
    expect_refused(&s, &mut largo, "its name is 200 characters long").await?;
    no_join_seen(&mut s, &mut users, "after the long name was refused").await
}

async fn control_name(mut s: Session) -> Outcome {
    let mut users = s.join_all(&["ana", "beto"]).await?;
    let plain = s.wire_name("rojo");
    let name = format!("rojo\x1b[31m{}", &plain["rojo".len()..]);
    // However a broken server mangles the name, its join line must still be recognised.
    let replaced = name.replace('\x1b', "\u{FFFD}");
    let removed = name.replace('\x1b', "");
    let stripped = strip_ansi(&name);
    let mut rojo = candidate(&s, "rojo", &[&name, &replaced, &removed, &stripped]).await?;
    rojo.send_name().await?;
    expect_refused(&s, &mut rojo, "its name contains ESC (a control character)").await?;
    no_join_seen(&mut s, &mut users, "after the name with ESC was refused").await
}

/// Connects a client that will try the name `wires[0]`; every spelling in `wires` is known
/// to the test, so a join line announcing any of them is seen (not ignored as a stranger's).
async fn candidate(s: &Session, script: &str, wires: &[&str]) -> Result<User, Failure> {
    let p = s.profile();
    for wire in wires {
        s.shared.roster.register(wire, script);
        s.shared.lexicon.add(p.join.render(wire, ""));
        s.shared.lexicon.add(p.leave.render(wire, ""));
        if let Some(welcome) = &p.welcome {
            s.shared.lexicon.add(welcome.render(wire, ""));
        }
    }
    User::connect(s.shared.clone(), script, wires[0]).await
}

/// The present users see nothing because of a refused client: beto sends a sentinel, ana
/// must receive nothing before it.
async fn no_join_seen(s: &mut Session, users: &mut [User], when: &str) -> Outcome {
    let [ana, beto] = users else { unreachable!() };
    let before = s.barrier(beto, &mut [ana]).await?;
    nothing_else(ana, &before[0], when)?;
    Ok(())
}

/// `user`'s input was rejected: the next thing it receives must be one error line in the
/// profile's wording, and then the server must close the connection.
async fn expect_refused(s: &Session, user: &mut User, why: &str) -> Outcome {
    let template = s.profile().error.source().to_string();
    let expected = format!(
        "{} receives one error line (`{template}`) and is then disconnected, because {why}",
        user.name
    );
    match user.next().await {
        Ok(Event::Error { .. }) => {}
        Ok(Event::Other(raw)) => {
            return Err(Failure::new(
                expected,
                format!(
                    "{} received \"{}\", which is not the profile's error wording `{template}` \
                     (if this is how the server words errors, set `error` in the profile)",
                    user.name,
                    short(&crate::wire::visible(&raw))
                ),
            )
            .into());
        }
        Ok(Event::Welcome { .. }) => {
            return Err(Failure::new(
                expected,
                format!(
                    "{} received the welcome line: its name was accepted",
                    user.name
                ),
            )
            .into());
        }
        Ok(other) => {
            return Err(Failure::new(
                expected,
                format!("{} received {}", user.name, short(&user.show(&other))),
            )
            .into());
        }
        Err(f) if user.has_ended() => {
            return Err(Failure::new(expected, format!("no error line: {}", f.actual)).into());
        }
        Err(f) => {
            return Err(Failure::new(
                expected,
                format!(
                    "{}, and the connection stayed open (the input seems to have been accepted)",
                    f.actual
                ),
            )
            .into());
        }
    }
    match user.expect_closed().await {
        Ok(after) if after.is_empty() => Ok(()),
        Ok(after) => Err(Failure::new(
            expected,
            format!(
                "after the error line {} also received: {}",
                user.name,
                shown_list(user, &after)
            ),
        )
        .into()),
        Err(f) => Err(Failure::new(
            expected,
            format!(
                "{} received the error line, but the connection was {}",
                user.name, f.actual
            ),
        )
        .into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Chat lines.

async fn long_line(mut s: Session) -> Outcome {
    if s.profile().framing == Framing::Chunk {
        return Err(Verdict::Skip(
            "chunk framing: a message is whatever one read returns, so there is no line that \
             could be too long"
                .into(),
        ));
    }
    let mut users = s.join_all(&["ana", "beto"]).await?;
    let [ana, beto] = users.as_mut_slice() else {
        unreachable!()
    };
    let mut long = String::from("largo ");
    while long.len() < 20_000 {
        long.push_str("0123456789");
    }
    long.truncate(20_000);
    ana.say(&long).await?;
    ana.say("después del error").await?;
    let before = next_line_reaches(
        beto,
        ana,
        "después del error",
        "ana stays connected after its long line: its next message reaches beto",
    )
    .await?;
    nothing_else(
        beto,
        &before,
        "before ana's next message (the 20,000-byte line is not broadcast, whole or in pieces)",
    )?;
    let before = s.barrier(beto, &mut [ana]).await?.remove(0);
    if let [Event::Error { .. }] = before.as_slice() {
        return Ok(());
    }
    let actual = if before.is_empty() {
        "ana received no error line (nothing at all before beto's sentinel)".to_string()
    } else {
        format!("ana received: {}", shown_list(ana, &before))
    };
    Err(Failure::new(
        "ana receives one error line, because its line is 20,000 bytes long, and nothing else",
        actual,
    )
    .into())
}

/// Bytes ana streams without a newline.
const FLOOD: usize = 8 * 1024 * 1024;
/// Bytes per write of the flood.
const FLOOD_WRITE: usize = 64 * 1024;
/// Most message rounds beto and carla exchange while the flood is written.
const FLOOD_ROUNDS: usize = 200;

async fn no_newline_flood(mut s: Session) -> Outcome {
    if s.profile().framing == Framing::Chunk {
        return Err(Verdict::Skip(
            "chunk framing: a message is whatever one read returns, so there is no newline \
             to wait for"
                .into(),
        ));
    }
    let mut users = s.join_all(&["beto", "carla"]).await?;
    let mut ana = RawClient::connect(&s, "ana", None).await?;
    ana.send_name().await?;
    let join = Event::Join {
        user: ana.wire.clone(),
    };
    for present in users.iter_mut() {
        present.expect(&join).await?;
    }
    let [beto, carla] = users.as_mut_slice() else {
        unreachable!()
    };

    // ana may be disconnected at any time: its leave is fine; anything else is not.
    let ana_left = Event::Leave {
        user: ana.wire.clone(),
    };
    // Whether beto, carla have already received ana's leave.
    let mut left_seen = [false, false];
    let done = AtomicBool::new(false);
    let flood = async {
        let piece = vec![b'x'; FLOOD_WRITE];
        let mut written = 0;
        let mut result = Ok(());
        while written < FLOOD {
            let note = (written == 0).then_some("<8 MiB without a newline, 64 KiB per write>");
            if let Err(e) = ana.write(&piece, note).await {
                result = Err(e);
                break;
            }
            written += piece.len();
        }
        if result.is_ok() {
            result = ana.write(b"\n", Some("\\n")).await;
        }
        done.store(true, Ordering::Relaxed);
        (written, result)
    };
    let talk = async {
        let mut rounds = 0;
        while rounds < 3 || (!done.load(Ordering::Relaxed) && rounds < FLOOD_ROUNDS) {
            rounds += 1;
            let text = format!("beto #{rounds}");
            beto.say(&text).await?;
            left_seen[1] |= expect_past(carla, &Event::chat(beto, &text), &ana_left).await?;
            let text = format!("carla #{rounds}");
            carla.say(&text).await?;
            left_seen[0] |= expect_past(beto, &Event::chat(carla, &text), &ana_left).await?;
        }
        Ok::<_, Failure>(())
    };
    let ((written, flooded), talked) = tokio::join!(flood, talk);
    talked.map_err(|f| {
        Failure::new(
            format!("{} (while ana streams 8 MiB without a newline)", f.expected),
            f.actual,
        )
    })?;

    let expected = "ana receives an error line or is disconnected (either is fine) after \
                    streaming 8 MiB without a newline";
    if let Err(e) = &flooded
        && e.kind() == io::ErrorKind::TimedOut
    {
        return Err(Failure::new(
            expected,
            format!(
                "after {written} bytes the server stopped reading ana's connection without \
                 answering or closing it (a write did not complete within {:?})",
                s.shared.timeouts.expect
            ),
        )
        .into());
    }

    // ana's answer: an error line (then ana is still connected) or the end of the connection.
    let answer = match flooded {
        Ok(()) => ana.read_until(|e| matches!(e, Event::Error { .. })).await,
        Err(_) => (Vec::new(), RawEnd::Broken), // the connection broke during the flood
    };
    // Whatever ana's handler made of the flood reaches beto and carla before its next
    // broadcast (ORDER-1): ana's next message if ana is still there, else its leave.
    let mut ends = vec![ana_left.clone()];
    if let RawEnd::Found | RawEnd::Quiet = answer.1 {
        let text = s.sentinel();
        let p = s.shared.profile.clone();
        let message = p.frame(p.send.render(&ana.wire, &text).as_bytes());
        if ana.write(&message, Some(&text)).await.is_ok() {
            ends.push(chat_of(&ana.wire, &text));
        }
    }
    let when = "because of ana's flood (nothing of it is broadcast)";
    for (user, seen) in [(&mut *beto, left_seen[0]), (&mut *carla, left_seen[1])] {
        if seen {
            continue; // ana's leave already came, after everything of ana's
        }
        let before = collect_until_any(user, &ends).await?;
        nothing_else(user, &before, when)?;
    }
    if let (got, RawEnd::Quiet) = answer {
        let got: Vec<Event> = got.into_iter().filter(|e| *e != Event::Prompt).collect();
        return Err(Failure::new(
            expected,
            format!(
                "ana is still connected and received no error line within {:?} (received: {})",
                s.shared.timeouts.expect,
                shown_list(&s, &got)
            ),
        )
        .into());
    }

    // beto and carla still talk normally.
    let when = "after the flood";
    let before = s.barrier(beto, &mut [carla]).await?;
    nothing_else(carla, &without(&before[0], &ana_left), when)?;
    let before = s.barrier(carla, &mut [beto]).await?;
    nothing_else(beto, &without(&before[0], &ana_left), when)?;
    Ok(())
}

/// The next event of `user` must be `want`, except that `tolerated` may come before it.
/// Returns whether it did.
async fn expect_past(user: &mut User, want: &Event, tolerated: &Event) -> Result<bool, Failure> {
    let before = user.collect_until(want).await?;
    if before.iter().all(|e| e == tolerated) {
        return Ok(!before.is_empty());
    }
    Err(Failure::new(
        format!("{} receives {}", user.name, short(&user.show(want))),
        format!("{} received {} first", user.name, shown_list(user, &before)),
    ))
}

/// Every event of `user` before the first of `ends`, which must come (each event within the
/// expectation timeout).
async fn collect_until_any(user: &mut User, ends: &[Event]) -> Result<Vec<Event>, Failure> {
    let mut before = Vec::new();
    loop {
        match user.next().await {
            Ok(event) if ends.contains(&event) => return Ok(before),
            Ok(event) => before.push(event),
            Err(f) => {
                let ends: Vec<String> = ends.iter().map(|e| user.show(e)).collect();
                return Err(Failure::new(
                    format!("{} receives {}", user.name, ends.join(" or ")),
                    format!(
                        "{}; received before: {}",
                        f.actual,
                        shown_list(user, &before)
                    ),
                ));
            }
        }
    }
}

/// `CHAT user text` for a wire name.
fn chat_of(wire: &str, text: &str) -> Event {
    Event::Chat {
        user: wire.to_string(),
        text: text.to_string(),
    }
}

/// `events` without any `unwanted`.
fn without(events: &[Event], unwanted: &Event) -> Vec<Event> {
    events.iter().filter(|e| *e != unwanted).cloned().collect()
}

async fn invalid_utf8(mut s: Session) -> Outcome {
    let mut users = s.join_all(&["ana", "beto"]).await?;
    let [ana, beto] = users.as_mut_slice() else {
        unreachable!()
    };
    let p = s.shared.profile.clone();
    for replaced in ["ho\u{FFFD}la", "ho\u{FFFD}\u{FFFD}la"] {
        s.shared.lexicon.add(p.chat.render(&ana.wire, replaced));
    }
    send_text_bytes(ana, &p, b"ho\xff\xfela").await?;
    ana.say("después").await?;
    let before = next_line_reaches(
        beto,
        ana,
        "después",
        "ana's next valid line reaches beto: the handler survived the invalid UTF-8",
    )
    .await?;
    let ana_before = s.barrier(beto, &mut [ana]).await?.remove(0);

    let replaced = |text: &str| {
        text.strip_prefix("ho")
            .and_then(|t| t.strip_suffix("la"))
            .is_some_and(|mid| !mid.is_empty() && mid.chars().all(|c| c == '\u{FFFD}'))
    };
    let (chats, others): (Vec<&Event>, Vec<&Event>) = before
        .iter()
        .partition(|e| matches!(e, Event::Chat { user, .. } if *user == ana.wire));
    let (errors, ana_others): (Vec<&Event>, Vec<&Event>) = ana_before
        .iter()
        .partition(|e| matches!(e, Event::Error { .. }));
    let expected = "either beto receives ana's chat `ho�la` (the invalid bytes replaced by \
                    U+FFFD) or ana receives one error line, not both; nothing else";
    let shown = |user: &User, events: &[&Event]| {
        let shown: Vec<String> = events.iter().map(|e| short(&user.show(e))).collect();
        format!("[{}]", shown.join(", "))
    };
    let delivered = match chats.as_slice() {
        [] => false,
        [Event::Chat { text, .. }] if replaced(text) => true,
        _ => {
            return Err(
                Failure::new(expected, format!("beto received {}", shown(beto, &chats))).into(),
            );
        }
    };
    let refused = !errors.is_empty();
    if delivered == refused || errors.len() > 1 {
        let what = if refused {
            format!(
                "beto received {} and ana received {}",
                shown(beto, &chats),
                shown(ana, &errors)
            )
        } else {
            "the line vanished: beto received no chat of it and ana no error line".to_string()
        };
        return Err(Failure::new(expected, what).into());
    }
    let others: Vec<Event> = others.into_iter().cloned().collect();
    nothing_else(beto, &others, "because of ana's invalid UTF-8")?;
    let ana_others: Vec<Event> = ana_others.into_iter().cloned().collect();
    nothing_else(ana, &ana_others, "because of its invalid UTF-8")?;
    Ok(())
}

async fn control_text(mut s: Session) -> Outcome {
    let mut users = s.join_all(&["ana", "beto"]).await?;
    let [ana, beto] = users.as_mut_slice() else {
        unreachable!()
    };
    let text = "antes \x1b[2J borra \x1bc reinicia \x07 campana \x08 retroceso \r retorno";
    ana.say(text).await?;
    ana.say("después").await?;
    let before = next_line_reaches(
        beto,
        ana,
        "después",
        "ana's next line reaches beto after the one with control characters",
    )
    .await?;
    let ana_before = s.barrier(beto, &mut [ana]).await?.remove(0);

    let raw: Vec<String> = before
        .iter()
        .filter(|e| match e {
            Event::Chat { text, .. } => has_raw_control(text),
            Event::Other(raw) | Event::Error { reason: raw } => has_raw_control(raw),
            _ => false,
        })
        .map(|e| short(&beto.show(e)))
        .collect();
    if !raw.is_empty() {
        return Err(Failure::new(
            "nothing beto receives contains a control character other than TAB (each is \
             replaced or removed before broadcasting)",
            format!(
                "beto received raw control characters in: {}",
                raw.join(", ")
            ),
        )
        .into());
    }
    let (chats, others): (Vec<Event>, Vec<Event>) = before
        .into_iter()
        .partition(|e| matches!(e, Event::Chat { user, .. } if *user == ana.wire));
    let (errors, ana_others): (Vec<Event>, Vec<Event>) = ana_before
        .into_iter()
        .partition(|e| matches!(e, Event::Error { .. }));
    match (chats.len(), errors.len()) {
        (1, 0) | (0, 1) => {}
        (c, e) => {
            let shown: Vec<String> = chats.iter().map(|e| short(&beto.show(e))).collect();
            return Err(Failure::new(
                "beto receives ana's message as one chat line with its control characters \
                 neutralised, or ana receives one error line instead",
                format!(
                    "beto received {c} chat lines of it [{}] and ana {e} error lines",
                    shown.join(", ")
                ),
            )
            .into());
        }
    }
    nothing_else(beto, &others, "because of ana's control characters")?;
    nothing_else(ana, &ana_others, "because of its control characters")?;
    Ok(())
}

/// C0 (except TAB), DEL and C1 controls: what may never reach another user raw (INPUT-7).
fn has_raw_control(text: &str) -> bool {
    text.chars().any(chat_protocol::text::is_dangerous_control)
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/// `receiver` collects everything up to `sender`'s chat `text` (already sent), which must
/// arrive; a failure says so in `expected`'s terms.
async fn next_line_reaches(
    receiver: &mut User,
    sender: &User,
    text: &str,
    expected: &str,
) -> Result<Vec<Event>, Failure> {
    receiver
        .collect_until(&Event::chat(sender, text))
        .await
        .map_err(|f| {
            let actual = format!(
                "{} never received {}'s `{text}`: {}",
                receiver.name, sender.name, f.actual
            );
            Failure::new(expected, cut(&actual, 600))
        })
}

/// Sends a chat message whose text is raw bytes (maybe not UTF-8), framed as the profile
/// says: the send template around it, then a newline or one paced chunk.
async fn send_text_bytes(user: &mut User, p: &Profile, text: &[u8]) -> Result<(), Failure> {
    const MARK: &str = "\u{E000}text\u{E000}";
    let rendered = p.send.render(&user.wire, MARK);
    let (head, tail) = rendered
        .split_once(MARK)
        .expect("a send template contains {text}");
    let message = [head.as_bytes(), text, tail.as_bytes()].concat();
    user.send_message_bytes(&message).await
}

/// An event for a failure message, cut to a readable length.
pub(crate) fn short(shown: &str) -> String {
    cut(shown, 120)
}

/// `text` cut to `max` characters, saying how long it was.
fn cut(text: &str, max: usize) -> String {
    crate::wire::cut(text, max).into_owned()
}

/// Anything that shows events in the test's names.
trait Shows {
    fn show_event(&self, event: &Event) -> String;
}

impl Shows for User {
    fn show_event(&self, event: &Event) -> String {
        self.show(event)
    }
}

impl Shows for Session {
    fn show_event(&self, event: &Event) -> String {
        self.shared.roster.normalise(&event.to_string())
    }
}

/// Events as `[JOIN beto, CHAT beto hola, …]`: each cut, and at most ten of them.
fn shown_list(by: &impl Shows, events: &[Event]) -> String {
    const SHOWN: usize = 10;
    let mut shown: Vec<String> = events
        .iter()
        .take(SHOWN)
        .map(|e| short(&by.show_event(e)))
        .collect();
    if events.len() > SHOWN {
        shown.push(format!("… {} more", events.len() - SHOWN));
    }
    format!("[{}]", shown.join(", "))
}

/// Like `join::nothing_else`, with long events cut (a 20,000-byte chat is not quoted whole).
fn nothing_else(user: &User, events: &[Event], when: &str) -> Result<(), Failure> {
    if events.is_empty() {
        return Ok(());
    }
    Err(Failure::new(
        format!("{} receives nothing else {when}", user.name),
        format!("{} also received: {}", user.name, shown_list(user, events)),
    ))
}

// ---------------------------------------------------------------------------------------------
// A raw connection.

/// How long a chunk-framed stream may stay quiet before a pending partial message is taken
/// as whole (as in the simulated user's reader).
const QUIET: Duration = Duration::from_millis(150);

/// A connection the test drives by hand: there is no reader task, so nothing is read from
/// the socket unless the test asks. For a user that must not read at all (SLOW-1), or one
/// that sends megabytes the transcript should not hold (INPUT-5).
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

impl RawClient {
    /// Declares the user `script` and connects it (bounded by the connect timeout). With
    /// `recv_buffer`, the socket's receive buffer is made that small first, so a server that
    /// blocks on a client that does not read blocks after kilobytes, not megabytes.
    pub async fn connect(
        s: &Session,
        script: &str,
        recv_buffer: Option<u32>,
    ) -> Result<RawClient, Failure> {
        let wire = s.declare(script);
        let shared = s.shared.clone();
        let stream = crate::user::open(&shared, script, recv_buffer).await?;
        let decoder = decoder_for(&shared.profile, shared.lexicon.clone());
        let classifier = Classifier::new(shared.profile.clone(), shared.roster.clone());
        Ok(RawClient {
            name: script.to_string(),
            wire,
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
                let shown = self.shared.roster.normalise(&message);
                self.shared
                    .transcript
                    .record(&self.name, Direction::Received, &shown);
                let Some(event) = self.classifier.classify(&message) else {
                    continue;
                };
                if let Some(user) = event.user()
                    && !self.shared.roster.knows(user)
                {
                    continue; // another test's user on a shared server
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
