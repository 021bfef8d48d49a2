//! The harness's decoders on any byte stream cut into any reads: the line decoder returns
//! exactly the stream's lines (cut ones reported as such), the chunk decoder gives back the
//! stream itself when nothing was cut, both keep a bounded buffer, and the classifier takes
//! whatever they produce.
//!
//! Input: `[read size, expected messages joined by 0xFF…, 0xFE, stream…]`.

#![no_main]

use std::sync::{Arc, LazyLock};

use conformance::profile::Profile;
use conformance::wire::{Lexicon, Roster};
use conformance::wire::{ChunkDecoder, Classifier, Decoder, LineDecoder};
use libfuzzer_sys::fuzz_target;

/// A small limit, so the fuzzer reaches the cut paths.
const MAX: usize = 64;

/// Built once: compiling the profile's matchers per input would be most of the work.
static CLASSIFIER: LazyLock<Classifier> =
    LazyLock::new(|| Classifier::new(Arc::new(Profile::reference()), Roster::default()));

/// Feeds `stream` in reads of `size`; the buffer may hold at most one read beyond the
/// limit, or `keep` (the longest expected message, which the chunk decoder may be waiting
/// for).
fn feed_all(decoder: &mut dyn Decoder, stream: &[u8], size: usize, keep: usize) -> Vec<String> {
    let mut out = Vec::new();
    for piece in stream.chunks(size) {
        out.extend(decoder.feed(piece));
        let pending = decoder.pending().len();
        assert!(
            pending <= MAX.max(keep) + size,
            "the buffer grew to {pending}"
        );
    }
    out.extend(decoder.flush());
    out
}

fuzz_target!(|input: &[u8]| {
    let Some((&size, rest)) = input.split_first() else {
        return;
    };
    let size = usize::from(size).max(1);
    let (words, stream) = match rest.iter().position(|&b| b == 0xFE) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (&[][..], rest),
    };
    let lexicon = Lexicon::default();
    let mut longest = 0;
    for word in words.split(|&b| b == 0xFF) {
        if let Ok(word) = std::str::from_utf8(word) {
            longest = longest.max(word.len());
            lexicon.add(word.to_string());
        }
    }

    let lines = feed_all(&mut LineDecoder::new("", MAX), stream, size, 0);
    let complete = stream.iter().filter(|&&b| b == b'\n').count();
    assert!(lines.len() >= complete, "a line was lost");
    let fits = stream.split(|&b| b == b'\n').all(|l| l.len() <= MAX);
    if fits {
        let model: Vec<String> = stream
            .split(|&b| b == b'\n')
            .take(complete)
            .map(|l| String::from_utf8_lossy(l.strip_suffix(b"\r").unwrap_or(l)).into_owned())
            .collect();
        assert_eq!(lines, model);
    }
    let chunks = feed_all(
        &mut ChunkDecoder::with_limit("", lexicon, MAX),
        stream,
        size,
        longest,
    );
    if let Ok(text) = std::str::from_utf8(stream)
        && stream.len() <= MAX
    {
        assert_eq!(chunks.concat(), text);
    }
    for message in lines.iter().chain(&chunks) {
        let _ = CLASSIFIER.classify(message);
    }
});
