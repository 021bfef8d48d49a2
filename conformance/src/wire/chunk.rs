//! Chunk framing: one server write is one message, with no terminator.
//!
//! TCP does not keep write boundaries, so two messages may arrive glued together. The
//! harness knows every message it can expect (who joined, who said what), so it cuts the
//! stream at the longest expected message that starts it; unknown text is cut where the next
//! expected message begins, or taken whole when the connection goes quiet.

use super::{Decoder, lossy};
use crate::session::Lexicon;

/// Splits a terminator-less stream using the messages the test expects.
pub struct ChunkDecoder {
    buf: Vec<u8>,
    expected: Lexicon,
    prompt: Option<Vec<u8>>,
}

impl ChunkDecoder {
    pub fn new(prompt: &str, expected: Lexicon) -> Self {
        ChunkDecoder {
            buf: Vec::new(),
            expected,
            prompt: (!prompt.is_empty()).then(|| prompt.as_bytes().to_vec()),
        }
    }
}

impl Decoder for ChunkDecoder {
    fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        let mut candidates = self.expected.snapshot();
        if let Some(prompt) = &self.prompt {
            candidates.push(prompt.clone());
        }
        // Longest first, so `ana: hola mundo` wins over `ana: hola`.
        candidates.sort_by_key(|c| std::cmp::Reverse(c.len()));
        while !self.buf.is_empty() {
            if let Some(c) = candidates.iter().find(|c| self.buf.starts_with(c)) {
                // A longer expected message may still be arriving: wait for it.
                if candidates
                    .iter()
                    .any(|longer| longer.len() > self.buf.len() && longer.starts_with(&self.buf))
                {
                    break;
                }
                out.push(lossy(c));
                self.buf.drain(..c.len());
                if self.prompt.as_deref() == Some(c.as_slice()) {
                    self.prompt = None;
                }
                continue;
            }
            if candidates.iter().any(|c| c.starts_with(&self.buf)) {
                break; // the start of an expected message: wait for the rest
            }
            // Unknown text: it ends where the next expected message starts.
            let next = (1..self.buf.len())
                .find(|&at| candidates.iter().any(|c| self.buf[at..].starts_with(c)));
            match next {
                Some(at) => out.push(lossy(&self.buf.drain(..at).collect::<Vec<_>>())),
                None => break, // may still grow; flushed when the connection goes quiet
            }
        }
        out
    }

    fn flush(&mut self) -> Option<String> {
        if self.buf.is_empty() {
            None
        } else {
            Some(lossy(&std::mem::take(&mut self.buf)))
        }
    }

    fn has_pending(&self) -> bool {
        !self.buf.is_empty()
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
}
