//! Chunk framing: one server write is one message, with no terminator.
//!
//! TCP does not keep write boundaries, so two messages may arrive glued together. The
//! harness knows every message it can expect (who joined, who said what), so it cuts the
//! stream at the longest expected message that starts it; unknown text is cut where the next
//! expected message begins, or taken whole when the connection goes quiet. For a profile
//! with `strip_ansi`, escape sequences are removed from the stream before it is cut (a
//! terminal parser, so a sequence split across reads is removed too): the expected messages
//! are worded without them.

use bytes::{Buf, BytesMut};

use super::Lexicon;
use super::{Decoder, MAX_MESSAGE, lossy};

/// Splits a terminator-less stream using the messages the test expects.
pub struct ChunkDecoder {
    /// What has arrived and is not cut yet; a cut message leaves from the front in O(1).
    buf: BytesMut,
    expected: Lexicon,
    prompt: Option<Vec<u8>>,
    /// Bytes of unknown text already dropped from the front of `buf` (a flood).
    skipped: usize,
    /// `buf[1..scanned]` holds no start of an expected message (as of the last feed).
    scanned: usize,
    max: usize,
    /// Removes escape sequences from the stream before it is cut (`strip_ansi`).
    strip: Option<Stripper>,
}

/// A streaming escape-sequence remover: what it lets through lands in `out`.
struct Stripper {
    writer: strip_ansi_escapes::Writer<Sink>,
    out: Sink,
}

/// The shared buffer a [`Stripper`] writes into.
#[derive(Clone, Default)]
struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        crate::sync::lock(&self.0).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Stripper {
    fn new() -> Self {
        let out = Sink::default();
        Stripper {
            writer: strip_ansi_escapes::Writer::new(out.clone()),
            out,
        }
    }

    /// `bytes` without the escape sequences (a sequence still arriving is held back).
    fn strip(&mut self, bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        // Writing into memory cannot fail.
        let _ = self.writer.write_all(bytes);
        let _ = self.writer.flush();
        std::mem::take(&mut *crate::sync::lock(&self.out.0))
    }
}

impl ChunkDecoder {
    /// A decoder for one connection. `prompt` (empty for none) is cut off as a message of
    /// its own; `expected` is the test's lexicon, shared, so messages added to it later are
    /// recognised too. Keeps at most [`MAX_MESSAGE`] bytes of unknown text.
    pub fn new(prompt: &str, expected: Lexicon) -> Self {
        Self::with_limit(prompt, expected, MAX_MESSAGE)
    }

    /// A decoder that keeps at most `max` bytes of unknown text.
    pub fn with_limit(prompt: &str, expected: Lexicon, max: usize) -> Self {
        ChunkDecoder {
            buf: BytesMut::new(),
            expected,
            prompt: (!prompt.is_empty()).then(|| prompt.as_bytes().to_vec()),
            skipped: 0,
            scanned: 1,
            max,
            strip: None,
        }
    }

    /// The same decoder, removing escape sequences from the stream first (`strip_ansi`).
    pub fn stripping_escapes(self) -> Self {
        ChunkDecoder {
            strip: Some(Stripper::new()),
            ..self
        }
    }

    /// The unknown text `buf[..at]` as one message (or the note of a cut flood).
    fn unknown(&mut self, at: usize) -> String {
        if self.skipped > 0 {
            let total = std::mem::take(&mut self.skipped) + at;
            format!("<{total} bytes of unexpected text, cut>")
        } else {
            lossy(&self.buf[..at])
        }
    }
}

impl Decoder for ChunkDecoder {
    fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        match &mut self.strip {
            Some(stripper) => self.buf.extend_from_slice(&stripper.strip(bytes)),
            None => self.buf.extend_from_slice(bytes),
        }
        let mut out = Vec::new();
        let mut candidates = self.expected.snapshot();
        if let Some(prompt) = &self.prompt {
            candidates.push(prompt.clone());
        }
        candidates.retain(|c| !c.is_empty());
        // Longest first, so `ana: hola mundo` wins over `ana: hola`.
        candidates.sort_by_key(|c| std::cmp::Reverse(c.len()));
        let longest = candidates.first().map_or(0, Vec::len);
        let mut first_bytes = [false; 256];
        for c in &candidates {
            first_bytes[usize::from(c[0])] = true;
        }
        let starts_here = |rest: &[u8]| {
            first_bytes[usize::from(rest[0])] && candidates.iter().any(|c| rest.starts_with(c))
        };
        while !self.buf.is_empty() {
            if self.skipped == 0
                && let Some(c) = candidates.iter().find(|c| self.buf.starts_with(c))
            {
                // A longer expected message may still be arriving: wait for it.
                if candidates
                    .iter()
                    .any(|longer| longer.len() > self.buf.len() && longer.starts_with(&self.buf))
                {
                    break;
                }
                out.push(lossy(c));
                self.buf.advance(c.len());
                self.scanned = 1;
                if self.prompt.as_deref() == Some(c.as_slice()) {
                    self.prompt = None;
                }
                continue;
            }
            if self.skipped == 0 && candidates.iter().any(|c| c.starts_with(&self.buf)) {
                break; // the start of an expected message: wait for the rest
            }
            // Unknown text: it ends where the next expected message starts.
            let from = self.scanned.max(1);
            let next = (from..self.buf.len()).find(|&at| starts_here(&self.buf[at..]));
            match next {
                Some(at) => {
                    let message = self.unknown(at);
                    out.push(message);
                    self.buf.advance(at);
                    self.scanned = 1;
                }
                None => {
                    // May still grow; flushed when the connection goes quiet. Positions
                    // with a whole candidate's length after them need no second look.
                    self.scanned = self.buf.len().saturating_sub(longest).max(from);
                    break;
                }
            }
        }
        if self.buf.len() > self.max {
            // A flood of unknown text: count it, keep only what may start a message.
            let drop = self.buf.len() - longest.min(self.buf.len());
            self.skipped += drop;
            self.buf.advance(drop);
            self.scanned = 1;
        }
        out
    }

    fn flush(&mut self) -> Option<String> {
        if self.buf.is_empty() && self.skipped == 0 {
            return None;
        }
        let message = self.unknown(self.buf.len());
        self.buf.clear();
        self.scanned = 1;
        Some(message)
    }

    fn has_pending(&self) -> bool {
        !self.buf.is_empty() || self.skipped > 0
    }

    fn pending(&self) -> &[u8] {
        &self.buf
    }

    fn pending_len(&self) -> usize {
        self.skipped + self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoder(expected: &[&str]) -> ChunkDecoder {
        let lexicon = Lexicon::default();
        for e in expected {
            lexicon.add(e.to_string());
        }
        ChunkDecoder::new("", lexicon)
    }

    #[test]
    fn coalesced_messages_are_cut_apart() {
        let mut d = decoder(&["ana se unió", "ana: hola", "beto: chau"]);
        assert_eq!(
            d.feed("ana se unióana: holabeto: chau".as_bytes()),
            ["ana se unió", "ana: hola", "beto: chau"]
        );
        assert!(!d.has_pending());
    }

    #[test]
    fn coalesced_coloured_output_is_cut_at_the_stripped_wording() {
        let mut d = decoder(&["ana se unió", "ana: hola"]).stripping_escapes();
        // Colours, a cursor save/restore (ESC 7, ESC 8) and a line clear around each
        // message, one escape split between two reads.
        let mut got = d.feed(b"\x1b7\x1b[2K\x1b[32mana se uni\xc3\xb3\x1b[0m\x1b8\x1b[");
        got.extend(d.feed(b"33mana: hola\x1b[0m"));
        assert_eq!(got, ["ana se unió", "ana: hola"]);
        assert!(!d.has_pending());
        // Without stripping, the escapes come out as unknown pieces between the messages.
        let mut raw = decoder(&["ana se unió", "ana: hola"]);
        let pieces = raw.feed(b"\x1b[32mana se uni\xc3\xb3\x1b[0m\x1b[33mana: hola\x1b[0m");
        assert_ne!(pieces, ["ana se unió", "ana: hola"]);
    }

    #[test]
    fn a_message_split_across_reads_is_joined() {
        let mut d = decoder(&["ana: hola"]);
        assert!(d.feed(b"ana: h").is_empty());
        assert_eq!(d.feed(b"ola"), ["ana: hola"]);
    }

    #[test]
    fn the_longest_expected_message_wins() {
        let mut d = decoder(&["ana: hola", "ana: hola mundo"]);
        assert!(d.feed(b"ana: hola").is_empty());
        assert_eq!(d.feed(b" mundo"), ["ana: hola mundo"]);
    }

    #[test]
    fn unknown_text_is_cut_at_the_next_known_message_or_flushed() {
        let mut d = decoder(&["ana: hola"]);
        assert_eq!(
            d.feed(b"Bienvenido!ana: hola"),
            ["Bienvenido!", "ana: hola"]
        );
        assert!(d.feed(b"ERROR: nombre en uso").is_empty());
        assert_eq!(d.flush().as_deref(), Some("ERROR: nombre en uso"));
    }

    #[test]
    fn a_flood_of_unknown_text_is_cut_and_memory_stays_bounded() {
        let lexicon = Lexicon::default();
        lexicon.add("ana: hola".into());
        let mut d = ChunkDecoder::with_limit("", lexicon, 1000);
        for _ in 0..1000 {
            // Bytes that start no expected message, and bytes that start one ('a').
            assert!(d.feed(&[b'x'; 300]).is_empty());
            assert!(d.feed(&[b'a'; 300]).is_empty());
            assert!(d.buf.len() <= 1000 + 300, "{}", d.buf.len());
        }
        assert_eq!(
            d.feed(b"ana: hola"),
            ["<600000 bytes of unexpected text, cut>", "ana: hola"]
        );
        assert!(!d.has_pending());
    }

    #[test]
    fn a_cut_flood_is_reported_when_the_connection_goes_quiet() {
        let mut d = ChunkDecoder::with_limit("", Lexicon::default(), 10);
        assert!(d.feed(&[0xff; 25]).is_empty());
        assert!(d.has_pending());
        assert_eq!(
            d.flush().as_deref(),
            Some("<25 bytes of unexpected text, cut>")
        );
        assert_eq!(d.flush(), None);
    }
}
