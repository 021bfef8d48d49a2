//! Hostile chat lines — 20,000 bytes, invalid UTF-8, terminal control characters: each is
//! refused with an error line or neutralised, never relayed raw, and its sender's next line
//! still gets through (INPUT-5 to INPUT-7).

use super::show::{nothing_else_cut, short, shown_list};
use crate::case::TestCase;
use crate::profile::{Framing, Profile};
use crate::user::User;
use crate::verdict::{Failure, Verdict};
use crate::wire::{Event, cut};

pub(super) fn long_line() -> TestCase {
    TestCase::strict(
        "input.long_line",
        "INPUT-5",
        "a 20,000-byte line is not broadcast; its sender gets an error and stays",
    )
    .steps(
        "ana and beto join; ana sends one line of 20,000 bytes; ana must receive an error \
         line; ana's next message must reach beto with nothing before it (the long line is \
         not broadcast, in whole or in pieces); beto sends a sentinel and ana must receive \
         nothing else.",
    )
    .causes(
        "no limit on the line length (the whole line is buffered and broadcast); a \
         fixed-size recv() cuts the line into pieces that are broadcast one by one; the \
         sender is disconnected instead of being told.",
    )
    .run(|s| async move {
        if s.profile().framing == Framing::Chunk {
            return Err(Verdict::Skip(
                "chunk framing: a message is whatever one read returns, so there is no line \
                 that could be too long"
                    .into(),
            ));
        }
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let mut long = String::from("largo ");
        while long.len() < 20_000 {
            long.push_str("0123456789");
        }
        long.truncate(20_000);
        ana.say(&long).await?;
        ana.say("después del error").await?;
        let before = next_line_reaches(
            &mut beto,
            &ana,
            "después del error",
            "ana stays connected after its long line: its next message reaches beto",
        )
        .await?;
        nothing_else_cut(
            &beto,
            &before,
            "before ana's next message (the 20,000-byte line is not broadcast, whole or in \
             pieces)",
        )?;
        let before = s.barrier(&mut beto, &mut [&mut ana]).await?.remove(0);
        if let [Event::Error { .. }] = before.as_slice() {
            return Ok(());
        }
        let actual = if before.is_empty() {
            "ana received no error line (nothing at all before beto's sentinel)".to_string()
        } else {
            format!("ana received: {}", shown_list(&ana, &before))
        };
        Err(Failure::new(
            "ana receives one error line, because its line is 20,000 bytes long, and nothing \
             else",
            actual,
        )
        .into())
    })
}

pub(super) fn invalid_utf8() -> TestCase {
    TestCase::strict(
        "input.invalid_utf8",
        "INPUT-6",
        "invalid UTF-8 is replaced or refused, and the sender's handler survives",
    )
    .steps(
        "ana and beto join; ana sends `ho`, the bytes FF FE, then `la`; either beto receives \
         ana's chat `ho�la` (each invalid sequence replaced by U+FFFD) or ana receives an \
         error line; either way ana's next valid line must reach beto.",
    )
    .causes(
        "`data.decode('utf-8')` without `errors='replace'`: the UnicodeDecodeError kills the \
         handler thread (no cleanup, no leave, a ghost in the list), or the whole server if \
         it is not caught.",
    )
    .run(|s| async move {
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let p = s.shared.profile.clone();
        for replaced in ["ho\u{FFFD}la", "ho\u{FFFD}\u{FFFD}la"] {
            s.shared.lexicon.add(p.chat.render(&ana.wire, replaced));
            ana.wrote(replaced);
        }
        send_text_bytes(&mut ana, &p, b"ho\xff\xfela").await?;
        ana.say("después").await?;
        let before = next_line_reaches(
            &mut beto,
            &ana,
            "después",
            "ana's next valid line reaches beto: the handler survived the invalid UTF-8",
        )
        .await?;
        let ana_before = s.barrier(&mut beto, &mut [&mut ana]).await?.remove(0);

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
                let actual = format!("beto received {}", shown(&beto, &chats));
                return Err(Failure::new(expected, actual).into());
            }
        };
        let refused = !errors.is_empty();
        if delivered == refused || errors.len() > 1 {
            let what = if refused {
                format!(
                    "beto received {} and ana received {}",
                    shown(&beto, &chats),
                    shown(&ana, &errors)
                )
            } else {
                "the line vanished: beto received no chat of it and ana no error line".to_string()
            };
            return Err(Failure::new(expected, what).into());
        }
        let others: Vec<Event> = others.into_iter().cloned().collect();
        nothing_else_cut(&beto, &others, "because of ana's invalid UTF-8")?;
        let ana_others: Vec<Event> = ana_others.into_iter().cloned().collect();
        nothing_else_cut(&ana, &ana_others, "because of its invalid UTF-8")?;
        Ok(())
    })
}

pub(super) fn control_text() -> TestCase {
    TestCase::strict(
        "input.control_text",
        "INPUT-7",
        "control characters in a chat message never reach another user raw",
    )
    .steps(
        "ana and beto join; ana sends a message containing ESC `[2J` (clear screen), ESC `c` \
         (terminal reset), BEL, backspace and a carriage return in the middle; beto must \
         receive it as one chat line (or ana an error line), and nothing beto receives may \
         contain a control character other than TAB; ana's next line must reach beto.",
    )
    .causes(
        "the text is relayed as received: anyone can clear, recolour or rewrite the other \
         users' terminals (replace each control character, e.g. with U+FFFD, before \
         broadcasting).",
    )
    .run(|s| async move {
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let text = "antes \x1b[2J borra \x1bc reinicia \x07 campana \x08 retroceso \r retorno";
        ana.say(text).await?;
        ana.say("después").await?;
        let before = next_line_reaches(
            &mut beto,
            &ana,
            "después",
            "ana's next line reaches beto after the one with control characters",
        )
        .await?;
        let ana_before = s.barrier(&mut beto, &mut [&mut ana]).await?.remove(0);

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
        nothing_else_cut(&beto, &others, "because of ana's control characters")?;
        nothing_else_cut(&ana, &ana_others, "because of its control characters")?;
        Ok(())
    })
}

/// C0 (except TAB), DEL and C1 controls: what may never reach another user raw (INPUT-7).
fn has_raw_control(text: &str) -> bool {
    text.chars().any(chat_protocol::text::is_dangerous_control)
}

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
