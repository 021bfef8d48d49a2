//! What the user types: a line reaches the server intact, a long one too, and a message
//! arriving mid-line leaves what is being typed intact on the screen.

use super::{ClientTest, core, strict};
use crate::client::session::{Client, OTHER};

/// The tests of this group.
pub fn tests() -> Vec<ClientTest> {
    vec![line(), long_line(), kept()]
}

/// A line with spaces inside and around it, punctuation and non-ASCII letters.
const TYPED: &str = "hola, ¿qué tal? ñandú — 4 €";

fn line() -> ClientTest {
    core(
        "typing.line",
        "CLIENT-2",
        "a typed line reaches the server intact (UTF-8)",
    )
    .steps(format!(
        "ana joins; the user types `{TYPED}` and Enter; the server must receive exactly \
             that text as one message"
    ))
    .causes(
        "the text encoded in something other than UTF-8; the line cut at a fixed size, \
             or stripped of inner spaces; the name prepended to it (`ana: …`, the server's \
             job); the newline sent as a separate message",
    )
    .run(|s| async move {
        let mut client = s.join().await?;
        client.type_line(TYPED).await?;
        server_receives(&mut client, TYPED).await
    })
}

/// The server must receive `typed`, within the expectation bound.
async fn server_receives(client: &mut Client, typed: &str) -> crate::verdict::Outcome {
    let bound = client.timeouts.expect;
    client
        .peer()?
        .expect(
            typed.as_bytes(),
            &format!("the server receives `{typed}`"),
            bound,
        )
        .await?;
    Ok(())
}

/// The length of the long line: over 4 KB, more than one `recv(4096)` and more than a
/// terminal's line buffer in canonical mode.
const LONG: usize = 5000;

fn long_line() -> ClientTest {
    strict(
        "typing.long_line",
        "CLIENT-12",
        "a long line (5,000 bytes) reaches the server intact",
    )
    .steps(
        "ana joins; the user types (pastes, where the client's line editor takes pastes) \
             a line of 5,000 characters and Enter; the server must receive exactly that text, \
             in one message (with chunk framing, in as many writes as it took)",
    )
    .causes(
        "a line read with a fixed-size buffer; `input()` on a terminal in canonical mode, \
             which keeps at most 4,095 characters of a line; a send() whose return value is \
             ignored (use sendall())",
    )
    .run(|s| async move {
        let mut client = s.join().await?;
        let text: String = (0..LONG)
            .map(|i| char::from(b'a' + u8::try_from(i % 26).unwrap_or(0)))
            .collect();
        client.type_line(&text).await?;
        let bound = client.timeouts.expect * 2;
        client
            .peer()?
            .expect(
                text.as_bytes(),
                "the server receives the 5,000 characters typed",
                bound,
            )
            .await?;
        Ok(())
    })
}

fn kept() -> ClientTest {
    strict(
        "typing.kept",
        "CLIENT-9",
        "a message arriving mid-line leaves the line being typed intact on screen",
    )
    .steps(
        "ana joins; the user types `a medio escribir` without Enter, and it shows; then a \
         message from beto arrives; the screen must show the message, and the row the cursor \
         is on must still show `a medio escribir`; then Enter must send exactly that text",
    )
    .causes(
        "the receiver thread prints with print(), which writes at the cursor, in the middle \
         of the typed line, and leaves the cursor on an empty row (the seed does this: the \
         typed text is still in the terminal's buffer, but the user can no longer see it); \
         use a line editor that prints above the line being typed (rustyline's external \
         printer, prompt_toolkit's patch_stdout)",
    )
    .run(|s| async move {
        const TYPED: &str = "a medio escribir";
        let mut client = s.join().await?;
        client.type_text(TYPED).await?;
        client
            .wait_screen("the typed text shows", |d| d.shows(TYPED))
            .await
            .map_err(|f| f.in_setup("the user types half a line", "CLIENT-9"))?;
        let marker = format!("llega-{}", s.seed % 10_000);
        client.other_says(&marker).await?;
        client
            .wait_screen(&format!("{OTHER}'s message `{marker}` shows"), |d| {
                d.shows(&marker)
            })
            .await?;
        client
            .wait_screen(
                &format!(
                    "the cursor's row shows `{TYPED}`, and {OTHER}'s message is on a row of \
                     its own"
                ),
                |d| {
                    let row = d.cursor_row();
                    row.contains(TYPED) && !row.contains(&marker)
                },
            )
            .await?;
        client.type_line("").await?;
        server_receives(&mut client, TYPED).await
    })
}
