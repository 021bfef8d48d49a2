//! Line framing: messages end with `\n`; a `\r` before it is dropped.

use bytes::{Buf, Bytes, BytesMut};

use super::{Decoder, lossy};

/// Splits at newlines, with a bound on the length of one line.
pub struct LineDecoder {
    /// What has arrived and is not a whole line yet; cut lines leave from the front in O(1).
    buf: BytesMut,
    /// Bytes of a line longer than the bound, being skipped up to its newline.
    skipping: usize,
    /// The server's prompt, still expected at the start of the stream (or of the next line).
    prompt: Option<Bytes>,
    /// The prompt may come again at the start of any line: a server that refuses a name by
    /// asking again (`reject = "reprompt"`); shared with `prompt`, not copied.
    again: Option<Bytes>,
    max: usize,
}

impl LineDecoder {
    /// `prompt` is consumed once at the start of the stream if the server sends it.
    pub fn new(prompt: &str, max: usize) -> Self {
        LineDecoder {
            buf: BytesMut::new(),
            skipping: 0,
            prompt: (!prompt.is_empty()).then(|| Bytes::copy_from_slice(prompt.as_bytes())),
            again: None,
            max,
        }
    }

    /// The same, for a server that may send the prompt again at the start of any line
    /// (it asks for another name after refusing one).
    pub fn prompting_again(prompt: &str, max: usize) -> Self {
        let decoder = LineDecoder::new(prompt, max);
        LineDecoder {
            again: decoder.prompt.clone(),
            ..decoder
        }
    }

    /// Consumes the prompt if the line starting at `start` begins with it; the new start,
    /// or `None` while the prompt may still be arriving.
    fn take_prompt(&mut self, start: usize, out: &mut Vec<String>) -> Option<usize> {
        let Some(prompt) = &self.prompt else {
            return Some(start);
        };
        let rest = &self.buf[start..];
        if rest.len() < prompt.len() && prompt.starts_with(rest) {
            return None; // the prompt may still be arriving
        }
        let mut start = start;
        if rest.starts_with(prompt) {
            out.push(lossy(prompt));
            start += prompt.len();
        }
        self.prompt = None;
        Some(start)
    }
}

impl Decoder for LineDecoder {
    fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        self.buf.extend_from_slice(bytes);
        // Lines are cut at offsets and the buffer is shifted once at the end, so a read
        // full of short lines costs one pass, not one shift per line.
        let mut start = 0;
        while let Some(at) = self.take_prompt(start, &mut out) {
            start = at;
            let Some(len) = self.buf[start..].iter().position(|&b| b == b'\n') else {
                break;
            };
            let mut line = &self.buf[start..start + len];
            start += len + 1;
            if let Some(stripped) = line.strip_suffix(b"\r") {
                line = stripped;
            }
            if self.skipping > 0 || line.len() > self.max {
                let total = self.skipping + line.len();
                self.skipping = 0;
                out.push(format!("<a line of {total} bytes, cut>"));
            } else {
                out.push(lossy(line));
            }
            self.prompt.clone_from(&self.again);
        }
        self.buf.advance(start);
        if self.buf.len() > self.max {
            self.skipping += self.buf.len();
            self.buf.clear();
        }
        out
    }

    fn flush(&mut self) -> Option<String> {
        if self.skipping > 0 {
            let total = self.skipping + self.buf.len();
            self.skipping = 0;
            self.buf.clear();
            return Some(format!("<{total} bytes without a newline, cut>"));
        }
        if let Some(prompt) = self.prompt.take() {
            // The connection went quiet in the middle of the prompt, or before it.
            if !self.buf.is_empty() && prompt.starts_with(&self.buf) {
                return Some(lossy(&std::mem::take(&mut self.buf)));
            }
        }
        None
    }

    fn has_pending(&self) -> bool {
        !self.buf.is_empty() || self.skipping > 0
    }

    fn pending(&self) -> &[u8] {
        &self.buf
    }

    fn pending_len(&self) -> usize {
        self.skipping + self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(d: &mut LineDecoder, pieces: &[&[u8]]) -> Vec<String> {
        pieces.iter().flat_map(|p| d.feed(p)).collect()
    }

    #[test]
    fn lines_split_merge_and_crlf() {
        let mut d = LineDecoder::new("", 100);
        let got = feed_all(&mut d, &[b"ana: ho", b"la\r\nbe", b"to\nx\ny", b"\n"]);
        assert_eq!(got, ["ana: hola", "beto", "x", "y"]);
        assert!(!d.has_pending());
    }

    #[test]
    fn a_character_split_across_reads_survives() {
        let mut d = LineDecoder::new("", 100);
        let bytes = "ñandú\n".as_bytes();
        let got = feed_all(&mut d, &[&bytes[..1], &bytes[1..2], &bytes[2..]]);
        assert_eq!(got, ["ñandú"]);
    }

    #[test]
    fn the_prompt_is_consumed_even_when_glued_to_the_next_line() {
        let mut d = LineDecoder::new("Nombre: ", 100);
        let got = feed_all(&mut d, &[b"Nom", b"bre: Bienvenido\nana: hola\n"]);
        assert_eq!(got, ["Nombre: ", "Bienvenido", "ana: hola"]);
    }

    #[test]
    fn a_server_that_asks_again_may_send_its_prompt_at_the_start_of_any_line() {
        let mut d = LineDecoder::prompting_again("Nombre: ", 100);
        let got = feed_all(
            &mut d,
            &[
                b"Nombre: ",
                b"Ese nombre no est\xc3\xa1 libre.\nNom",
                b"bre: ana: hola\n",
            ],
        );
        assert_eq!(
            got,
            [
                "Nombre: ",
                "Ese nombre no está libre.",
                "Nombre: ",
                "ana: hola"
            ]
        );
        // Once only, without asking again: a later line that starts like the prompt is a line.
        let mut once = LineDecoder::new("Nombre: ", 100);
        let got = feed_all(&mut once, &[b"Nombre: x\nNombre: y\n"]);
        assert_eq!(got, ["Nombre: ", "x", "Nombre: y"]);
    }

    #[test]
    fn a_missing_prompt_is_not_required() {
        let mut d = LineDecoder::new("Nombre: ", 100);
        assert_eq!(d.feed(b"hola\n"), ["hola"]);
    }

    #[test]
    fn overlong_lines_are_cut_and_memory_stays_bounded() {
        let mut d = LineDecoder::new("", 10);
        for _ in 0..1000 {
            assert!(d.feed(&[b'x'; 100]).is_empty());
            assert!(d.buf.len() <= 110);
        }
        assert_eq!(d.feed(b"\nok\n"), ["<a line of 100000 bytes, cut>", "ok"]);
    }

    #[test]
    fn a_read_full_of_empty_lines_gives_each_of_them() {
        let mut d = LineDecoder::new("", 10);
        let got = d.feed(&[b'\n'; 10_000]);
        assert_eq!(got.len(), 10_000);
        assert!(got.iter().all(String::is_empty));
        assert!(!d.has_pending());
    }

    #[test]
    fn a_pending_partial_line_is_visible() {
        let mut d = LineDecoder::new("", 100);
        assert!(d.feed(b"Bienv").is_empty());
        assert_eq!(d.pending(), b"Bienv");
        assert_eq!(d.feed(b"enido\n"), ["Bienvenido"]);
        assert!(d.pending().is_empty());
    }
}
