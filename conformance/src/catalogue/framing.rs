//! `framing`: client → server lines are reassembled exactly, however the bytes were packed
//! into writes; `\r\n` ends a line; blank lines are ignored (FRAME-1, FRAME-2, FRAME-4).
//! Line framing only: for a chunk-framed server one write is one message by definition.

use std::time::Duration;

use crate::case::TestCase;
use crate::profile::Framing;
use crate::session::Session;
use crate::user::User;
use crate::verdict::{Failure, Outcome, Verdict};
use crate::wire::Event;

/// The group, in the order the tests run.
pub fn tests() -> Vec<TestCase> {
    vec![
        partial_writes(),
        byte_by_byte(),
        several_lines(),
        crlf(),
        utf8_split(),
        empty_lines(),
    ]
}

fn partial_writes() -> TestCase {
    TestCase::core(
        "framing.partial_writes",
        "FRAME-2",
        "a line written in three pieces arrives as one message",
    )
    .steps(
        "ana and beto join; beto writes one chat line in three writes, pausing between them \
         so each travels as its own TCP segment; ana must receive the whole line as one chat \
         message, and nothing else before a sentinel.",
    )
    .causes(
        "one recv() / read() is taken as one message (`msg = sock.recv(1024)`): TCP is a \
         byte stream, not a message stream; buffer what you receive and split on `\\n`, \
         keeping the unfinished rest for the next recv().",
    )
    .run(|mut s| async move {
        line_framing(&s, "there are no lines to split")?;
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let text = "esta línea llega en tres partes";
        let bytes = line(&s, &beto, text).into_bytes();
        let (a, b) = (bytes.len() / 3, 2 * bytes.len() / 3);
        let pieces: [&[u8]; 3] = [&bytes[..a], &bytes[a..b], &bytes[b..]];
        // Noted before it is written: the line may come back before the write returns.
        beto.said_by_hand(text);
        write_pieces(&mut beto, &pieces, Duration::from_millis(20)).await?;
        let what = "after the line in three pieces";
        receives_exactly(&mut s, &mut ana, &mut beto, &[text], what).await
    })
}

fn byte_by_byte() -> TestCase {
    TestCase::core(
        "framing.byte_by_byte",
        "FRAME-2",
        "a line written one byte at a time arrives as one message",
    )
    .steps(
        "ana and beto join; beto writes a chat line (with an accented letter) one byte per \
         write, with a short pause after each; ana must receive the whole line as one chat \
         message, and nothing else before a sentinel.",
    )
    .causes(
        "one recv() is taken as one message; each received chunk is decoded on its own, so a \
         multi-byte character cut between two reads becomes `�`; the buffer is cleared after \
         each recv().",
    )
    .run(|mut s| async move {
        line_framing(&s, "there are no lines to split")?;
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let text = "letra a letra: ñu";
        let bytes = line(&s, &beto, text).into_bytes();
        let pieces: Vec<&[u8]> = bytes.chunks(1).collect();
        beto.said_by_hand(text);
        write_pieces(&mut beto, &pieces, Duration::from_millis(3)).await?;
        let what = "after the line written byte by byte";
        receives_exactly(&mut s, &mut ana, &mut beto, &[text], what).await
    })
}

fn several_lines() -> TestCase {
    TestCase::core(
        "framing.several_lines",
        "FRAME-2",
        "three lines in one write arrive as three messages, in order",
    )
    .steps(
        "ana and beto join; beto writes three chat lines in a single write; ana must receive \
         three chat messages, in the order written, and nothing else before a sentinel.",
    )
    .causes(
        "one recv() is taken as one message, so the three lines go out as one message with \
         newlines inside it; only the first line of the buffer is handled and the rest is \
         dropped; the split keeps only the last piece.",
    )
    .run(|mut s| async move {
        line_framing(&s, "several lines cannot share one write")?;
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let texts = ["primera", "segunda", "tercera"];
        let bytes: String = texts.iter().map(|t| line(&s, &beto, t)).collect();
        texts.iter().for_each(|text| beto.said_by_hand(text));
        beto.send_raw(bytes.as_bytes()).await?;
        let what = "after the three lines";
        receives_exactly(&mut s, &mut ana, &mut beto, &texts, what).await
    })
}

fn crlf() -> TestCase {
    TestCase::core(
        "framing.crlf",
        "FRAME-1",
        "lines ending in \\r\\n are accepted; the \\r is not part of the line",
    )
    .steps(
        "ana and beto join; beto writes `hola\\r\\n`, then `uno\\r\\ndos\\r\\n` in one write; \
         ana must receive the chat messages `hola`, `uno` and `dos` with no `\\r` in them, and \
         nothing else before a sentinel; then beto writes the quit word ending in `\\r\\n` and \
         ana must receive beto's leave line.",
    )
    .causes(
        "the line is split on `\\n` only and the `\\r` stays in it (telnet, netcat -C and \
         Windows clients send `\\r\\n`): the quit word then no longer matches (`\"salir\\r\" != \
         \"salir\"`). Strip the `\\r` of a `\\r\\n` ending. (A `\\r` relayed at the very end of \
         a line is hidden by the suite's own line reader, so it is not reported here.)",
    )
    .run(|mut s| async move {
        line_framing(&s, "there are no line endings")?;
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let crlf_line = |s: &Session, user: &User, text: &str| {
            format!("{}\r\n", s.profile().send.render(&user.wire, text))
        };
        beto.said_by_hand("hola");
        beto.send_raw(crlf_line(&s, &beto, "hola").as_bytes())
            .await?;
        ana.expect(&Event::chat(&beto, "hola")).await?;
        let two = crlf_line(&s, &beto, "uno") + &crlf_line(&s, &beto, "dos");
        beto.said_by_hand("uno");
        beto.said_by_hand("dos");
        beto.send_raw(two.as_bytes()).await?;
        let what = "after the \\r\\n lines";
        receives_exactly(&mut s, &mut ana, &mut beto, &["uno", "dos"], what).await?;
        if let Some(quit) = s.profile().quit.clone() {
            let quit = quit.render(&beto.wire, "");
            beto.send_raw(format!("{quit}\r\n").as_bytes()).await?;
            let quitted = if s.profile().leave.is_some() {
                ana.expect(&Event::leave(&beto)).await
            } else {
                beto.expect_closed().await.map(drop)
            };
            quitted.map_err(|f| {
                Failure::new(
                    format!("{} (beto wrote the quit word ending in \\r\\n)", f.expected),
                    f.actual,
                )
            })?;
        }
        Ok(())
    })
}

fn utf8_split() -> TestCase {
    TestCase::core(
        "framing.utf8_split",
        "FRAME-2",
        "a multi-byte character split across two writes arrives intact",
    )
    .steps(
        "ana and beto join; beto writes a chat line with `ñ` and an emoji in three writes, \
         cutting through the middle of the `ñ` and of the emoji, with a pause between writes; \
         ana must receive the line exactly as written.",
    )
    .causes(
        "each recv() is decoded on its own (`data.decode('utf-8', errors='replace')`), so the \
         halves of a character become `��`; or strict decoding raises and kills the handler. \
         Split lines on the bytes first, decode whole lines.",
    )
    .run(|mut s| async move {
        line_framing(&s, "there are no lines to split")?;
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        let text = "mañana 🙂 nos vemos";
        let bytes = line(&s, &beto, text).into_bytes();
        let rendered = String::from_utf8_lossy(&bytes).into_owned();
        // Cut after the first byte of `ñ` (2 bytes) and after the second byte of `🙂` (4 bytes).
        let in_enye = rendered.find('ñ').expect("the text has an ñ") + 1;
        let in_emoji = rendered.find('🙂').expect("the text has an emoji") + 2;
        let pieces: [&[u8]; 3] = [
            &bytes[..in_enye],
            &bytes[in_enye..in_emoji],
            &bytes[in_emoji..],
        ];
        beto.said_by_hand(text);
        write_pieces(&mut beto, &pieces, Duration::from_millis(20)).await?;
        let what = "after the split line";
        receives_exactly(&mut s, &mut ana, &mut beto, &[text], what).await
    })
}

fn empty_lines() -> TestCase {
    TestCase::strict(
        "framing.empty_lines",
        "FRAME-4",
        "empty and whitespace-only lines are ignored",
    )
    .steps(
        "ana and beto join; beto sends `antes`, then an empty line, a line of spaces, a line \
         with a tab, a `\\r\\n`-only line, then `después`; before a sentinel from beto, ana \
         must have received exactly the two real messages; before a sentinel from ana, beto \
         must have received nothing (no reply).",
    )
    .causes(
        "the blank-line check is missing (`if not line.strip(): continue`), so empty `name: ` \
         messages are broadcast; the server answers blank lines with an error or a prompt.",
    )
    .run(|s| async move {
        line_framing(&s, "an empty write sends nothing")?;
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        beto.said_by_hand("antes");
        beto.send_raw(line(&s, &beto, "antes").as_bytes()).await?;
        // Blank lines are blank on the wire, whatever the profile's `send` wording.
        for blank in ["\n", "   \n", "\t\n", "\r\n", " \t \n"] {
            beto.send_raw(blank.as_bytes()).await?;
        }
        beto.said_by_hand("después");
        beto.send_raw(line(&s, &beto, "después").as_bytes()).await?;
        let before = s.barrier(&mut beto, &mut [&mut ana]).await?;
        let wanted = [Event::chat(&beto, "antes"), Event::chat(&beto, "después")];
        if before[0] != wanted {
            let shown: Vec<String> = before[0].iter().map(|e| ana.show(e)).collect();
            return Err(Failure::new(
                format!(
                    "ana receives exactly [{}, {}] before beto's sentinel (the blank lines are \
                     ignored)",
                    ana.show(&wanted[0]),
                    ana.show(&wanted[1])
                ),
                format!("ana received [{}]", shown.join(", ")),
            )
            .into());
        }
        let when = "after its blank lines (no reply to them)";
        s.sees_nothing(&mut ana, &mut [&mut beto], when).await?;
        Ok(())
    })
}

/// Every framing test needs line framing.
fn line_framing(s: &Session, what: &str) -> Result<(), Verdict> {
    if s.profile().framing == Framing::Chunk {
        return Err(Verdict::Skip(format!(
            "chunk framing: a write is a whole message, {what}"
        )));
    }
    Ok(())
}

/// The bytes of one chat line as `user` writes it, in the profile's wording.
fn line(s: &Session, user: &User, text: &str) -> String {
    format!("{}\n", s.profile().send.render(&user.wire, text))
}

/// Writes `pieces` one after another, pausing `pause` after each but the last.
async fn write_pieces(user: &mut User, pieces: &[&[u8]], pause: Duration) -> Result<(), Failure> {
    for (i, piece) in pieces.iter().enumerate() {
        user.send_raw(piece).await?;
        if i + 1 < pieces.len() {
            // deliberate pause: the pieces must travel as separate segments
            tokio::time::sleep(pause).await;
        }
    }
    Ok(())
}

/// After beto's writes: ana receives `texts` as beto's chat messages, in order, then nothing
/// else before beto's sentinel.
async fn receives_exactly(
    s: &mut Session,
    ana: &mut User,
    beto: &mut User,
    texts: &[&str],
    what: &str,
) -> Outcome {
    for text in texts {
        ana.expect(&Event::chat(beto, text)).await?;
    }
    s.sees_nothing(beto, &mut [ana], what).await?;
    Ok(())
}
