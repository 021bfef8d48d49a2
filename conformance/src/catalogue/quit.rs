//! `quit`: the quit word is a command, never a chat message, and the server hangs up on the
//! quitter (QUIT-*).

use super::support::{Departure, depart, no_quit_word, nothing_else};
use crate::case::TestCase;
use crate::profile::Framing;
use crate::session::Session;
use crate::user::User;
use crate::verdict::{Failure, Outcome, Verdict};
use crate::wire::Event;

/// The group, in the order the tests run.
pub fn tests() -> Vec<TestCase> {
    vec![closes(), not_broadcast(), whitespace()]
}

fn closes() -> TestCase {
    TestCase::core(
        "quit.closes",
        "QUIT-2",
        "after the quit word the server closes the quitter's connection",
    )
    .steps(
        "ana and beto join; beto sends the quit word; the server must close beto's \
         connection, and beto must receive nothing before the close (not its own quit word as \
         chat, not its own leave line); ana must receive beto's leave line.",
    )
    .causes(
        "the quit branch breaks out of the loop but the socket is never closed (no close() in \
         `finally`); the quit word is not recognised and is relayed like any other line; the \
         leave line is broadcast to the leaver too (a goodbye line of your own belongs in the \
         profile's `ignore` list).",
    )
    .run(|s| async move {
        if s.profile().quit.is_none() {
            return Err(no_quit_word());
        }
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let quit = quit_text(&s, &beto).unwrap_or_default();
        if let Some(sent) = beto.quit().await {
            sent?;
        }
        let before_close = beto.expect_closed().await?;
        quiet_until_close(&beto, &before_close, &quit)?;
        if s.profile().leave.is_some() {
            ana.expect(&Event::leave(&beto)).await?;
        }
        Ok(())
    })
}

fn not_broadcast() -> TestCase {
    TestCase::core(
        "quit.not_broadcast",
        "QUIT-1",
        "the quit word is not broadcast as a chat message",
    )
    .steps(
        "ana and beto join; beto sends the quit word; ana's next message must be beto's leave \
         line, never beto's quit word as chat; dani then joins and sends a sentinel, and ana \
         must receive nothing else before it.",
    )
    .causes(
        "the line is broadcast before it is compared with the quit word; the comparison \
         misses because the line still has its `\\n` or `\\r\\n` (compare the stripped line).",
    )
    .run(|s| async move {
        if s.profile().quit.is_none() {
            return Err(no_quit_word());
        }
        let [mut ana, beto] = s.room(["ana", "beto"]).await?;
        let mut gone = depart(beto, Departure::Quit).await?;
        gone.seen_by(&mut [&mut ana]).await?;
        nothing_relayed(&s, &mut ana, "after beto's quit word").await
    })
}

fn whitespace() -> TestCase {
    TestCase::strict(
        "quit.whitespace",
        "QUIT-1",
        "the quit word surrounded by spaces and a tab still quits",
    )
    .steps(
        "ana and beto join; beto sends the quit word with two spaces before it and a space \
         and a tab after it; ana's next message must be beto's leave line (not a chat line), \
         and the server must close beto's connection.",
    )
    .causes(
        "the line is compared with the quit word without stripping the surrounding whitespace \
         (`line == \"salir\"` instead of `line.strip() == \"salir\"`).",
    )
    .run(|s| async move {
        if s.profile().framing == Framing::Chunk {
            return Err(Verdict::Skip(
                "chunk framing: a write is a whole message, whitespace around the quit word \
                 is not a line-framing question here"
                    .into(),
            ));
        }
        let Some(template) = s.profile().quit.clone() else {
            return Err(no_quit_word());
        };
        if template.has("user") {
            return Err(Verdict::Skip(format!(
                "the quit template `{}` contains {{user}}: surrounding whitespace is not \
                 defined for it",
                template.source()
            )));
        }
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let quit = template.render(&beto.wire, "");
        beto.send_raw(format!("  {quit} \t\n").as_bytes()).await?;
        if s.profile().leave.is_some() {
            ana.expect(&Event::leave(&beto)).await?;
        }
        let before_close = beto.expect_closed().await?;
        quiet_until_close(&beto, &before_close, &quit)?;
        if s.profile().leave.is_none() {
            nothing_relayed(&s, &mut ana, "after beto's quit word").await?;
        }
        Ok(())
    })
}

/// A later joiner's sentinel proves that nothing else (the quit word relayed as chat, a
/// late line, a second leave) reached `ana` since.
async fn nothing_relayed(s: &Session, ana: &mut User, when: &str) -> Outcome {
    let mut dani = s.join_seen_by("dani", &mut [&mut *ana]).await?;
    s.sees_nothing(&mut dani, &mut [ana], when).await?;
    Ok(())
}

/// The quit message `user` writes, in the profile's wording.
fn quit_text(s: &Session, user: &User) -> Option<String> {
    s.profile().quit.as_ref().map(|q| q.render(&user.wire, ""))
}

/// The events the quitter received before the server closed it must be none: in particular
/// not its own quit word relayed as chat.
fn quiet_until_close(quitter: &User, events: &[Event], quit: &str) -> Result<(), Failure> {
    let own_quit = |e: &&Event| matches!(e, Event::Chat { user, text } if *user == quitter.wire && text.trim() == quit.trim());
    if let Some(echo) = events.iter().find(own_quit) {
        return Err(Failure::new(
            format!(
                "the server closes {}'s connection without relaying its quit word",
                quitter.name
            ),
            format!(
                "{} received its own quit word as chat: {}",
                quitter.name,
                quitter.show(echo)
            ),
        ));
    }
    nothing_else(quitter, events, "between its quit word and the close")
}
