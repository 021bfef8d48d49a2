//! Names the server must refuse — blank, already in use, 200 characters, with an escape
//! sequence — with one error line and then a close, while the users present see nothing
//! of it (INPUT-1 to INPUT-4).

use super::show::{sees_nothing_cut, short, shown_list};
use crate::case::TestCase;
use crate::profile::Reject;
use crate::session::Session;
use crate::user::User;
use crate::verdict::{Failure, Outcome};
use crate::wire::{Event, strip_ansi};

pub(super) fn empty_name() -> TestCase {
    TestCase::strict(
        "input.empty_name",
        "INPUT-1",
        "a blank name is refused with an error and the connection is closed",
    )
    .steps(
        "ana and beto join; a third client connects and sends a name made only of spaces and \
         a tab; it must receive an error line and then be disconnected; beto sends a \
         sentinel, and ana must receive nothing before it (no join).",
    )
    .causes(
        "the name is used without `.strip()` and an emptiness check; a blank name is \
         registered and announced as ` se ha unido al chat`; the error is sent but the handler \
         carries on (missing `return` after it), so the socket is never closed.",
    )
    .run(|mut s| async move {
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let blank = "  \t  ";
        let mut vacio = candidate(&s, "blank", &[blank]).await?;
        if !s.profile().prompt.is_empty() {
            vacio.expect(&Event::Prompt).await?;
        }
        vacio.send_message(blank).await?;
        expect_refused(&s, &mut vacio, "its name is blank").await?;
        let when = "after the blank name was refused";
        sees_nothing_cut(&mut s, &mut beto, &mut ana, when).await?;
        accepts_another_name(&s, &mut vacio, &mut [&mut ana, &mut beto]).await
    })
}

pub(super) fn duplicate_name() -> TestCase {
    TestCase::strict(
        "input.duplicate_name",
        "INPUT-2",
        "a name already in use is refused; its owner is unaffected",
    )
    .steps(
        "ana and beto join; a second client sends ana's name; it must receive an error line \
         and then be disconnected; ana sends a sentinel and beto must receive nothing before \
         it (no second join of ana); then ana and beto exchange a message each way.",
    )
    .causes(
        "no name check in add_client (a dict keyed by name silently replaces the first ana, \
         whose messages then go nowhere); the check is done without the lock, so two clients \
         can take the same name; the refused client's cleanup removes the *other* ana (remove \
         by name instead of by object) and announces her leave.",
    )
    .run(|mut s| async move {
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let mut copia = User::connect(s.shared.clone(), "ana#2", &ana.wire).await?;
        copia.send_name().await?;
        expect_refused(&s, &mut copia, "ana's name is already in use").await?;
        // A second join of ana, or a leave of ana from the refused client's cleanup, would
        // show up here.
        let when = "after a second client tried ana's name";
        sees_nothing_cut(&mut s, &mut ana, &mut beto, when).await?;
        accepts_another_name(&s, &mut copia, &mut [&mut ana, &mut beto]).await?;
        ana.say("sigo siendo yo").await?;
        beto.expect(&Event::chat(&ana, "sigo siendo yo")).await?;
        beto.say("te leo, ana").await?;
        ana.expect(&Event::chat(&beto, "te leo, ana")).await?;
        drop(copia);
        Ok(())
    })
}

pub(super) fn long_name() -> TestCase {
    TestCase::strict(
        "input.long_name",
        "INPUT-3",
        "a 200-character name is refused with an error and the connection closed",
    )
    .steps(
        "ana and beto join; a third client sends a 200-character name; it must receive an \
         error line and then be disconnected; beto sends a sentinel and ana must receive \
         nothing before it (no join).",
    )
    .causes(
        "no length limit on names (`if len(name) > MAX_NAME`); the name is silently truncated \
         and accepted instead of refused.",
    )
    .run(|mut s| async move {
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let mut name = s.wire_name("largo");
        while name.chars().count() < 200 {
            name.push('x');
        }
        let mut largo = candidate(&s, "largo", &[&name]).await?;
        largo.send_name().await?;
        expect_refused(&s, &mut largo, "its name is 200 characters long").await?;
        let when = "after the long name was refused";
        sees_nothing_cut(&mut s, &mut beto, &mut ana, when).await?;
        accepts_another_name(&s, &mut largo, &mut [&mut ana, &mut beto]).await
    })
}

pub(super) fn control_name() -> TestCase {
    TestCase::strict(
        "input.control_name",
        "INPUT-4",
        "a name containing an escape sequence is refused",
    )
    .steps(
        "ana and beto join; a third client sends a name containing ESC `[31m` (a terminal \
         colour code); it must receive an error line and then be disconnected; beto sends a \
         sentinel and ana must receive nothing before it (no join).",
    )
    .causes(
        "names are only checked for being empty, not for control characters \
         (`any(unicodedata.category(c)[0] == 'C' for c in name)`), so one user can recolour \
         or clear everyone's terminal with every line that carries its name.",
    )
    .run(|mut s| async move {
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let plain = s.wire_name("rojo");
        let name = format!("rojo\x1b[31m{}", &plain["rojo".len()..]);
        // However a broken server mangles the name, its join line must still be recognised.
        let replaced = name.replace('\x1b', "\u{FFFD}");
        let removed = name.replace('\x1b', "");
        let stripped = strip_ansi(&name);
        let mut rojo = candidate(&s, "rojo", &[&name, &replaced, &removed, &stripped]).await?;
        rojo.send_name().await?;
        let why = "its name contains ESC (a control character)";
        expect_refused(&s, &mut rojo, why).await?;
        let when = "after the name with ESC was refused";
        sees_nothing_cut(&mut s, &mut beto, &mut ana, when).await?;
        accepts_another_name(&s, &mut rojo, &mut [&mut ana, &mut beto]).await
    })
}

/// With `reject = "reprompt"`, the refused client `user` then sends a good name, which must
/// be accepted: each of `observers` sees its join line (or, without join lines, its first message).
async fn accepts_another_name(
    s: &Session,
    user: &mut User,
    observers: &mut [&mut User],
) -> Outcome {
    if s.profile().reject != Reject::Reprompt {
        return Ok(());
    }
    let good = s.declare(&format!("{}-bis", user.name.replace('#', "-")));
    let step = format!(
        "{} tries another name after the refusal, `{good}`",
        user.name
    );
    user.send_message(&good).await?;
    let accepted = if s.profile().join.is_some() {
        Event::join(good.as_str())
    } else {
        let text = s.sentinel();
        s.shared.roster.wrote(&good, &text);
        let line = s.profile().send.render(&good, &text);
        user.send_message(&line).await?;
        Event::chat(good.as_str(), &text)
    };
    for observer in observers {
        observer.expect(&accepted).await.map_err(|f| {
            Failure::new(
                format!("{} ({step}: it must be accepted)", f.expected),
                f.actual,
            )
        })?;
    }
    Ok(())
}

/// Connects a client that will try the name `wires[0]`; every spelling in `wires` is known
/// to the test, so a join line announcing any of them is seen (not ignored as a stranger's).
async fn candidate(s: &Session, script: &str, wires: &[&str]) -> Result<User, Failure> {
    let p = s.profile();
    for wire in wires {
        s.shared.roster.register(wire, script);
        for line in p.lines_about(wire) {
            s.shared.lexicon.add(line);
        }
    }
    User::connect(s.shared.clone(), script, wires[0]).await
}

/// `user`'s input was rejected: the next thing it receives must be one error line in the
/// profile's wording, and then the server must close the connection — or, with
/// `reject = "reprompt"`, send the prompt again.
async fn expect_refused(s: &Session, user: &mut User, why: &str) -> Outcome {
    let template = s.profile().error.source().to_string();
    let then = match s.profile().reject {
        Reject::Close => "is then disconnected",
        Reject::Reprompt => "is asked for a name again",
    };
    let expected = format!(
        "{} receives one error line (`{template}`) and {then}, because {why}",
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
    if s.profile().reject == Reject::Reprompt {
        // Asked again instead of closed: the prompt comes back (when there is one); that a
        // good name is then accepted is checked once the room has seen nothing of the bad
        // one ([`accepts_another_name`]).
        if !s.profile().prompt.is_empty() {
            user.expect(&Event::Prompt).await.map_err(|f| {
                Failure::new(
                    format!("{expected} (reject = \"reprompt\": the prompt again, and the connection stays open)"),
                    f.actual,
                )
            })?;
        }
        return Ok(());
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
