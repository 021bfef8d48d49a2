//! The reference server's `LineReader`: any bytes, cut into reads of any sizes, under any
//! line limit. It must never panic, and must return exactly the lines of a simple model:
//! split at `\n`, one trailing `\r` dropped, a line over the limit reported as `TooLong`
//! (once), an unfinished last line dropped — unless it already passed the limit.
//!
//! Input: `[max_line, n, n sizes…, data…]`.

#![no_main]

use std::io::{self, Read};

use libfuzzer_sys::fuzz_target;
use reference_server::{Line, LineReader};

/// Hands out `data` in reads whose sizes cycle through `sizes`.
struct Pieces<'a> {
    data: &'a [u8],
    sizes: &'a [u8],
    next: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let size = usize::from(self.sizes[self.next % self.sizes.len()]).max(1);
        self.next += 1;
        let n = size.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// The lines the reader must return.
fn model(data: &[u8], max: usize) -> Vec<Line> {
    let mut parts: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let last = parts.pop().unwrap_or_default();
    let mut lines: Vec<Line> = parts
        .into_iter()
        .map(|raw| {
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            if line.len() > max {
                Line::TooLong
            } else {
                Line::Text(String::from_utf8_lossy(line).into_owned())
            }
        })
        .collect();
    if last.len() > max.saturating_add(1) {
        lines.push(Line::TooLong);
    }
    lines
}

fuzz_target!(|input: &[u8]| {
    let [max, n, rest @ ..] = input else {
        return;
    };
    let n = (usize::from(*n) % 8 + 1).min(rest.len());
    let (sizes, data) = rest.split_at(n);
    if sizes.is_empty() {
        return;
    }
    let max = usize::from(*max);
    let mut reader = LineReader::new(
        Pieces {
            data,
            sizes,
            next: 0,
        },
        max,
    );
    let mut got = Vec::new();
    while let Some(line) = reader.read_line().expect("reads never fail here") {
        assert!(got.len() <= data.len(), "more lines than bytes");
        got.push(line);
    }
    assert_eq!(got, model(data, max));
});
