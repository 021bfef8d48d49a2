//! What the server sends: shown while the user is idle (the receiver thread), completely and
//! in order even in a burst, and never as raw terminal escapes.

use super::{ClientTest, core, strict};
use crate::client::session::OTHER;
use crate::verdict::Failure;

/// The tests of this group.
pub fn tests() -> Vec<ClientTest> {
    vec![idle(), burst(), escapes()]
}

fn idle() -> ClientTest {
    core(
        "receive.idle",
        "CLIENT-3",
        "a message from the server shows while the user is idle",
    )
    .steps(
        "ana joins; without any key pressed, beto's message `ahora-N` arrives; the screen \
             must show it within the expectation bound",
    )
    .causes(
        "no receiver thread: the client reads from the socket only after input() \
             returns, so messages show only when the user presses Enter; a receiver thread \
             started after the first line; output buffered (print(..., flush=True), or a \
             terminal that is not line-buffered)",
    )
    .run(|s| async move {
        let mut client = s.join().await?;
        let marker = format!("ahora-{}", s.seed % 10_000);
        client.other_says(&marker).await?;
        client
            .wait_screen(&format!("`{marker}` shows without a key pressed"), |d| {
                d.shows(&marker)
            })
            .await?;
        Ok(())
    })
}

/// How many lines the burst has.
const BURST: usize = 10_000;

fn burst() -> ClientTest {
    strict(
        "receive.burst",
        "CLIENT-11",
        "a burst of 10,000 lines is shown completely, in order",
    )
    .steps(
        "ana joins; the server sends 10,000 chat lines from beto (`r00000` … `r09999`) \
             at once; everything the client writes to its terminal, its escapes removed, must \
             hold each of them once, in order",
    )
    .causes(
        "a message cut where one recv() ends and the next begins, and the halves printed \
             as two lines or lost; lines dropped by a receiver that decodes a recv() cut in \
             the middle of a UTF-8 character; a receiver that stops after an error",
    )
    .budget(std::time::Duration::from_secs(60))
    .run(|s| async move {
        let mut client = s.join().await?;
        let mut burst = Vec::new();
        for i in 0..BURST {
            let line = client.profile().chat.render(OTHER, &format!("r{i:05}"));
            burst.extend_from_slice(line.as_bytes());
            burst.push(b'\n');
        }
        let last = format!("r{:05}", BURST - 1);
        let bound = client.timeouts.expect * 10;
        let send = client.peer()?.send(&burst);
        // The client may read slowly: the write finishes as it reads.
        tokio::time::timeout(bound, send).await.map_err(|_| {
            Failure::new(
                "the client reads the burst",
                "it had not read it all after the bound",
            )
        })??;
        let ended = client
            .wait_screen_for(bound, &format!("`{last}` shows"), |d| {
                memchr::memmem::find(&d.output, last.as_bytes()).is_some()
            })
            .await;
        let output = client.screen().look(|d| d.output.clone());
        let seen = numbers(&strip_ansi_escapes::strip(&output));
        let expected: Vec<usize> = (0..BURST).collect();
        if seen != expected {
            return Err(Failure::new(
                "r00000 … r09999, each once, in order",
                burst_difference(&seen),
            )
            .into());
        }
        ended?;
        Ok(())
    })
}

/// The burst numbers in `text`, in the order they appear (`r` and five digits).
fn numbers(text: &[u8]) -> Vec<usize> {
    let mut found = Vec::new();
    let mut i = 0;
    while i + 6 <= text.len() {
        let digits = &text[i + 1..i + 6];
        if text[i] == b'r' && digits.iter().all(u8::is_ascii_digit) {
            let n = digits.iter().fold(0, |n, d| n * 10 + usize::from(d - b'0'));
            found.push(n);
            i += 6;
        } else {
            i += 1;
        }
    }
    found
}

/// What is wrong with the burst as shown: the first place it departs from 0, 1, 2, ….
fn burst_difference(seen: &[usize]) -> String {
    let at = seen
        .iter()
        .enumerate()
        .position(|(i, &n)| i != n)
        .unwrap_or(seen.len());
    let around: Vec<String> = seen[at.saturating_sub(2)..(at + 3).min(seen.len())]
        .iter()
        .map(|n| format!("r{n:05}"))
        .collect();
    format!(
        "{} lines shown; the first difference at position {at}: {}",
        seen.len(),
        if around.is_empty() {
            "nothing".to_owned()
        } else {
            around.join(", ")
        }
    )
}

fn escapes() -> ClientTest {
    strict(
        "receive.escapes",
        "CLIENT-10",
        "terminal escapes from the server do not reach the terminal raw",
    )
    .steps(
        "ana joins; beto's message `esc-N` followed by a window-title escape (ESC ] 2 ; \
         title-N BEL) and `fin-N` arrives; `fin-N` must show, and the client's output must \
         not hold the escape sequence as sent (shown as text, replaced or dropped are all \
         fine)",
    )
    .causes(
        "the receiver prints what it receives as it is: anyone in the room can then clear, \
         recolour or rewrite the user's terminal (or set its title); replace control \
         characters (except tab) before printing, e.g. with `repr()` or U+FFFD",
    )
    .run(|s| async move {
        let mut client = s.join().await?;
        let n = s.seed % 10_000;
        let title = format!("\x1b]2;title-{n}\x07");
        let fin = format!("fin-{n}");
        client.other_says(&format!("esc-{n} {title} {fin}")).await?;
        client
            .wait_screen(&format!("`{fin}` shows"), |d| d.shows(&fin))
            .await?;
        let raw = client
            .screen()
            .look(|d| memchr::memmem::find(&d.output, title.as_bytes()).is_some());
        if raw {
            return Err(Failure::new(
                "the escape sequence never reaches the terminal as it was sent",
                format!(
                    "the client wrote `{}` to its terminal, raw (the terminal took it as a \
                     command: its title is now `title-{n}`)",
                    title.escape_debug()
                ),
            )
            .into());
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_numbers_are_read_in_order_and_a_gap_is_named() {
        assert_eq!(numbers(b"beto: r00000\r\nbeto: r00001\nr0000"), [0, 1]);
        assert_eq!(
            burst_difference(&[0, 1, 3, 4]),
            "4 lines shown; the first difference at position 2: r00000, r00001, r00003, r00004"
        );
    }
}
