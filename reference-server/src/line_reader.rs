//! A bounded line reader: turns the bytes a client sends into lines (FRAME-1, FRAME-2),
//! without ever holding more than one line's worth of memory (INPUT-5).
//!
//! The Python seed does `data = self.conn.recv(1024).decode()` and treats each `recv` as one
//! message, which breaks as soon as TCP splits or merges segments, and crashes on a UTF-8
//! character cut in half. Here lines are reassembled across any number of reads, and:
//!
//! - a line ends at `\n`; one trailing `\r` is not part of it (FRAME-1);
//! - a line longer than the limit is reported once as [`Line::TooLong`] and the rest of it,
//!   up to the next `\n`, is thrown away as it arrives, so memory stays bounded even when a
//!   peer streams megabytes without a newline (INPUT-5);
//! - invalid UTF-8 is replaced by U+FFFD, never an error (INPUT-6);
//! - at end of input a partial line (no `\n` yet) is discarded, never returned (LEAVE-2).
//!
//! For a client that does not frame its messages (the seed's own client, FRAME-5) the server
//! calls [`LineReader::end_framing`] after its name: from then on the end of each read ends a
//! message too, as in the seed, while a `\n` inside a read still ends one. A read that fills
//! the whole 8 KiB buffer is taken to go on in the next read (a long send), so an oversized
//! message is still reported once and discarded up to the first read that does not fill the
//! buffer; memory stays bounded the same way.

use std::io::{self, Read};

/// How many bytes one `read` call asks for.
const CHUNK: usize = 8 * 1024;

/// One complete line, as returned by [`LineReader::read_line`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A line within the limit, without its `\n` (or `\r\n`), invalid UTF-8 replaced by U+FFFD.
    Text(String),
    /// A line longer than the limit. Reported as soon as the limit is passed, once per line;
    /// the rest of that line is discarded.
    TooLong,
}

/// Reads [`Line`]s from any [`Read`] (a `TcpStream` in the server, scripted chunks in tests).
///
/// Holds at most one read chunk (8 KiB) plus `max_line + 1` bytes of the current line.
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    chunk: Box<[u8]>,
    /// Unconsumed bytes are `chunk[pos..filled]`.
    pos: usize,
    filled: usize,
    /// The current line so far, at most `max_line + 1` bytes (room for a trailing `\r`).
    line: Vec<u8>,
    max_line: usize,
    /// True after a `TooLong` was reported, until the `\n` that ends that line (unframed: or
    /// the end of a read that did not fill the buffer).
    discarding: bool,
    /// After [`end_framing`](Self::end_framing): the end of a read ends a message (FRAME-5).
    unframed: bool,
}

impl<R: Read> LineReader<R> {
    /// A reader of lines of at most `max_line` bytes (without the `\n`) from `inner`.
    pub fn new(inner: R, max_line: usize) -> Self {
        LineReader {
            inner,
            chunk: vec![0; CHUNK].into_boxed_slice(),
            pos: 0,
            filled: 0,
            line: Vec::new(),
            max_line,
            discarding: false,
            unframed: false,
        }
    }

    /// Changes the line limit from the next byte on (the server allows a different limit
    /// while it waits for the name).
    pub fn set_max_line(&mut self, max_line: usize) {
        self.max_line = max_line;
    }

    /// True when a whole line is already buffered, so the next [`read_line`](Self::read_line)
    /// returns without reading (the server broadcasts such a burst in one go).
    pub fn has_line_buffered(&self) -> bool {
        let buffered = &self.chunk[self.pos..self.filled];
        !self.discarding
            && (buffered.contains(&b'\n')
                || (self.unframed && !buffered.is_empty() && !self.full()))
    }

    /// How many bytes of an unfinished line (no `\n` yet) are held.
    pub fn pending(&self) -> usize {
        self.line.len()
    }

    /// Ends line framing for good (FRAME-5): returns the unfinished line held so far as a
    /// complete one, and from now on the end of every read ends a line as a `\n` does (see
    /// the module's documentation).
    pub fn end_framing(&mut self) -> Line {
        self.unframed = true;
        self.finish_line()
    }

    /// True when the last read filled the whole buffer: the sender may have more of the same
    /// message on the way.
    fn full(&self) -> bool {
        self.filled == self.chunk.len()
    }

    /// The underlying reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The underlying reader, to change it.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Returns the next line, or `Ok(None)` at end of input (a partial line is then dropped).
    ///
    /// Errors are the underlying reader's, except `Interrupted`, which is retried. After an
    /// error the reader may be called again (a read timeout loses nothing).
    pub fn read_line(&mut self) -> io::Result<Option<Line>> {
        loop {
            if self.pos == self.filled {
                let n = loop {
                    match self.inner.read(&mut self.chunk) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                };
                if n == 0 {
                    // LEAVE-2: a line without its `\n` at the end is never delivered.
                    self.line.clear();
                    self.discarding = false;
                    return Ok(None);
                }
                self.pos = 0;
                self.filled = n;
            }

            let available = &self.chunk[self.pos..self.filled];
            match available.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.pos += i + 1;
                    if self.discarding {
                        // The end of a line already reported as too long.
                        self.discarding = false;
                        continue;
                    }
                    let piece = &available[..i];
                    if self.line.len() + piece.len() > self.max_line.saturating_add(1) {
                        self.line.clear();
                        return Ok(Some(Line::TooLong));
                    }
                    self.line.extend_from_slice(piece);
                    return Ok(Some(self.finish_line()));
                }
                None => {
                    // Unframed (FRAME-5): the end of this read ends the message, unless the
                    // read filled the buffer.
                    let read_ends_line = self.unframed && !self.full();
                    self.pos = self.filled;
                    if self.discarding {
                        self.discarding = !read_ends_line;
                        continue;
                    }
                    // `+ 1`: the last byte may be a `\r` that the `\n` will strip.
                    if self.line.len() + available.len() > self.max_line.saturating_add(1) {
                        self.line.clear();
                        self.discarding = !read_ends_line;
                        return Ok(Some(Line::TooLong));
                    }
                    self.line.extend_from_slice(available);
                    if read_ends_line {
                        return Ok(Some(self.finish_line()));
                    }
                }
            }
        }
    }

    /// Turns the complete line in `self.line` into a [`Line`] and empties the buffer.
    fn finish_line(&mut self) -> Line {
        if self.line.last() == Some(&b'\r') {
            self.line.pop();
        }
        let line = if self.line.len() > self.max_line {
            Line::TooLong
        } else {
            Line::Text(String::from_utf8_lossy(&self.line).into_owned())
        };
        self.line.clear();
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A `Read` that hands out scripted chunks, one per call, then end of input.
    struct Chunks(VecDeque<Vec<u8>>);

    impl Chunks {
        fn new<I: IntoIterator<Item = B>, B: AsRef<[u8]>>(chunks: I) -> Self {
            Chunks(chunks.into_iter().map(|c| c.as_ref().to_vec()).collect())
        }
    }

    impl Read for Chunks {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some(mut chunk) = self.0.pop_front() else {
                return Ok(0);
            };
            if chunk.len() > buf.len() {
                let rest = chunk.split_off(buf.len());
                self.0.push_front(rest);
            }
            buf[..chunk.len()].copy_from_slice(&chunk);
            Ok(chunk.len())
        }
    }

    fn text(s: &str) -> Line {
        Line::Text(s.to_owned())
    }

    /// Every line until end of input.
    fn all_lines(chunks: Chunks, max_line: usize) -> Vec<Line> {
        let mut reader = LineReader::new(chunks, max_line);
        let mut lines = Vec::new();
        while let Some(line) = reader.read_line().expect("scripted reads never fail") {
            lines.push(line);
        }
        lines
    }

    #[test]
    fn has_line_buffered_says_whether_the_next_line_needs_a_read() {
        let mut reader = LineReader::new(Chunks::new(["uno\ndos\ntr", "es\n"]), 100);
        assert!(!reader.has_line_buffered(), "nothing read yet");
        assert_eq!(reader.read_line().unwrap(), Some(text("uno")));
        assert!(reader.has_line_buffered());
        assert_eq!(reader.read_line().unwrap(), Some(text("dos")));
        assert!(!reader.has_line_buffered(), "only half of `tres` is here");
        assert_eq!(reader.read_line().unwrap(), Some(text("tres")));
    }

    #[test]
    fn frame_1_lines_end_in_newline_and_crlf_is_accepted() {
        let lines = all_lines(Chunks::new(["hola\nque tal\r\n\n\r\n"]), 100);
        assert_eq!(lines, [text("hola"), text("que tal"), text(""), text("")]);
    }

    #[test]
    fn frame_1_only_one_trailing_cr_is_stripped_and_inner_cr_kept() {
        let lines = all_lines(Chunks::new(["a\rb\r\r\n"]), 100);
        assert_eq!(lines, [text("a\rb\r")]);
    }

    #[test]
    fn frame_2_byte_by_byte() {
        let input = "ana\r\nhola ñandú 🙂\n";
        let lines = all_lines(Chunks::new(input.bytes().map(|b| [b])), 100);
        assert_eq!(lines, [text("ana"), text("hola ñandú 🙂")]);
    }

    #[test]
    fn frame_2_utf8_character_split_across_reads() {
        let smile = "🙂".as_bytes();
        let chunks = Chunks::new([&b"x"[..], &smile[..1], &smile[1..3], &smile[3..], b"y\n"]);
        assert_eq!(all_lines(chunks, 100), [text("x🙂y")]);
    }

    #[test]
    fn frame_2_several_lines_in_one_read_and_a_line_across_reads() {
        let chunks = Chunks::new(["uno\ndos\ntr", "es\ncua", "tro\n"]);
        assert_eq!(
            all_lines(chunks, 100),
            [text("uno"), text("dos"), text("tres"), text("cuatro")]
        );
    }

    #[test]
    fn frame_2_lines_larger_than_one_read_chunk() {
        let long = "x".repeat(3 * CHUNK + 17);
        let input = format!("{long}\nfin\n");
        assert_eq!(
            all_lines(Chunks::new([input]), 4 * CHUNK),
            [text(&long), text("fin")]
        );
    }

    #[test]
    fn input_5_limit_is_inclusive_and_excludes_the_line_ending() {
        let chunks = Chunks::new(["12345\n123456\n12345\r\n"]);
        assert_eq!(
            all_lines(chunks, 5),
            [text("12345"), Line::TooLong, text("12345")]
        );
    }

    #[test]
    fn input_5_overflow_is_reported_once_then_the_next_line_is_fine() {
        let chunks = Chunks::new(["0123456789", "0123456789", "abc\nok\n"]);
        assert_eq!(all_lines(chunks, 5), [Line::TooLong, text("ok")]);
    }

    #[test]
    fn input_5_overflow_with_a_cr_just_past_the_limit() {
        // 5 bytes + '\r' fit while we wait; anything but '\n' after the '\r' overflows.
        let chunks = Chunks::new(["12345\r", "x\nok\n"]);
        assert_eq!(all_lines(chunks, 5), [Line::TooLong, text("ok")]);
        let chunks = Chunks::new(["123456", "\nok\n"]);
        assert_eq!(all_lines(chunks, 5), [Line::TooLong, text("ok")]);
    }

    #[test]
    fn input_5_memory_stays_bounded_while_a_peer_streams_without_newline() {
        let mut reader = LineReader::new(
            Chunks::new(std::iter::repeat_n(vec![b'x'; 64 * 1024], 64).chain([b"\nok\n".to_vec()])),
            100,
        );
        assert_eq!(reader.read_line().unwrap(), Some(Line::TooLong));
        assert!(reader.line.capacity() <= 101 + CHUNK);
        assert_eq!(reader.read_line().unwrap(), Some(text("ok")));
        assert!(reader.line.capacity() <= 101 + CHUNK);
        assert_eq!(reader.read_line().unwrap(), None);
    }

    #[test]
    fn input_6_invalid_utf8_is_replaced() {
        let chunks = Chunks::new([&b"a\xffb\xc3\n"[..], b"ok\n"]);
        assert_eq!(
            all_lines(chunks, 100),
            [text("a\u{FFFD}b\u{FFFD}"), text("ok")]
        );
    }

    #[test]
    fn leave_2_partial_line_at_end_of_input_is_discarded() {
        assert_eq!(
            all_lines(Chunks::new(["hola\nmedia lin"]), 100),
            [text("hola")]
        );
        assert_eq!(all_lines(Chunks::new(["sin fin"]), 100), []);
        assert_eq!(
            all_lines(Chunks::new(["x".repeat(50)]), 10),
            [Line::TooLong]
        );
    }

    #[test]
    fn interrupted_reads_are_retried_and_other_errors_lose_nothing() {
        struct Flaky(u32, Chunks);
        impl Read for Flaky {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.0 += 1;
                match self.0 {
                    1 => Err(io::ErrorKind::Interrupted.into()),
                    3 => Err(io::ErrorKind::WouldBlock.into()),
                    _ => self.1.read(buf),
                }
            }
        }
        let mut reader = LineReader::new(Flaky(0, Chunks::new(["ho", "la\n"])), 10);
        let err = reader.read_line().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert_eq!(reader.read_line().unwrap(), Some(text("hola")));
    }

    /// A `Read` that hands out `before`, then says "no more for now" (a read timeout), then
    /// hands out `after`: a client that paused.
    struct Paused {
        before: Chunks,
        paused: bool,
        after: Chunks,
    }

    impl Paused {
        fn new<B: AsRef<[u8]>, A: AsRef<[u8]>>(
            before: impl IntoIterator<Item = B>,
            after: impl IntoIterator<Item = A>,
        ) -> Self {
            Paused {
                before: Chunks::new(before),
                paused: false,
                after: Chunks::new(after),
            }
        }
    }

    impl Read for Paused {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if !self.before.0.is_empty() {
                return self.before.read(buf);
            }
            if !self.paused {
                self.paused = true;
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.after.read(buf)
        }
    }

    /// The reader after `before`, a pause, and `end_framing`: the unframed first line and
    /// every line after it.
    fn unframed_lines<B: AsRef<[u8]>, A: AsRef<[u8]>>(
        before: impl IntoIterator<Item = B>,
        after: impl IntoIterator<Item = A>,
        max_line: usize,
    ) -> Vec<Line> {
        let mut reader = LineReader::new(Paused::new(before, after), max_line);
        let err = reader.read_line().expect_err("the pause");
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        let mut lines = vec![reader.end_framing()];
        while let Some(line) = reader.read_line().expect("scripted reads never fail") {
            lines.push(line);
        }
        lines
    }

    #[test]
    fn frame_5_the_unfinished_line_is_the_first_unframed_line() {
        let mut reader = LineReader::new(Paused::new(["an", "a"], ["hola"]), 100);
        assert!(reader.read_line().is_err(), "the pause");
        assert_eq!(reader.pending(), 3);
        assert_eq!(reader.end_framing(), text("ana"));
        assert_eq!(reader.pending(), 0);
        assert_eq!(reader.read_line().unwrap(), Some(text("hola")));
    }

    #[test]
    fn frame_5_each_read_is_one_line() {
        let lines = unframed_lines(["ana"], ["hola", "qué tal 🙂", "salir"], 100);
        let want = ["ana", "hola", "qué tal 🙂", "salir"];
        assert_eq!(lines, want.map(text));
    }

    #[test]
    fn frame_5_a_newline_inside_a_read_still_ends_a_line() {
        let lines = unframed_lines(["ana"], ["uno\ndos", "tres\r\n", "\n"], 100);
        let want = ["ana", "uno", "dos", "tres", ""];
        assert_eq!(lines, want.map(text));
        let mut reader = LineReader::new(Paused::new(["ana"], ["uno\ndos"]), 100);
        assert!(reader.read_line().is_err(), "the pause");
        reader.end_framing();
        assert!(!reader.has_line_buffered(), "nothing read yet");
        assert_eq!(reader.read_line().unwrap(), Some(text("uno")));
        assert!(reader.has_line_buffered(), "the read ended after `dos`");
    }

    #[test]
    fn frame_5_input_5_a_read_over_the_limit_is_too_long_once() {
        let lines = unframed_lines(["ana"], ["123456", "12345", "ok"], 5);
        assert_eq!(
            lines,
            [text("ana"), Line::TooLong, text("12345"), text("ok")]
        );
    }

    #[test]
    fn frame_5_a_full_read_goes_on_in_the_next_one() {
        let full = "x".repeat(CHUNK);
        // Over the limit: one TooLong for the whole send, up to the first shorter read.
        let lines = unframed_lines(["ana"], [full.as_str(), full.as_str(), "yy", "ok"], 100);
        assert_eq!(lines, [text("ana"), Line::TooLong, text("ok")]);
        // Within a limit larger than the buffer: one line.
        let lines = unframed_lines(["ana"], [full.as_str(), "yy"], 2 * CHUNK);
        assert_eq!(lines, [text("ana"), text(&format!("{full}yy"))]);
    }

    #[test]
    fn frame_5_input_6_invalid_utf8_is_replaced() {
        let lines = unframed_lines(["ana"], [&b"a\xffb"[..], b"ok"], 100);
        assert_eq!(lines, [text("ana"), text("a\u{FFFD}b"), text("ok")]);
    }

    #[test]
    fn the_limit_can_change_between_lines() {
        let mut reader = LineReader::new(Chunks::new(["123456789\n123456789\n"]), 20);
        assert_eq!(reader.read_line().unwrap(), Some(text("123456789")));
        reader.set_max_line(5);
        assert_eq!(reader.read_line().unwrap(), Some(Line::TooLong));
    }
}
