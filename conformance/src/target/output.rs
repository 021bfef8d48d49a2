//! What a spawned server prints, stdout and stderr together in the order the harness read
//! them, each line numbered: the runner marks where a test starts and shows the lines
//! printed during a failing test with its failure (a Python traceback from a handler thread
//! points straight at the bug).
//!
//! Bounded: the log keeps the last [`LOG_LINES`] lines (each already cut by the tails that
//! feed it), and a note shows at most [`NOTE_LINES`] lines of at most [`NOTE_LINE_CHARS`]
//! characters, control characters made visible.

use std::collections::VecDeque;
use std::fmt::Write as _;

/// Lines kept, both streams together.
const LOG_LINES: usize = 200;
/// Most lines one note quotes.
pub const NOTE_LINES: usize = 20;
/// Longest line a note quotes, in characters.
pub const NOTE_LINE_CHARS: usize = 200;

/// A position in the log: the number of the next line to be printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputMark(u64);

/// The server's last output lines, numbered in arrival order.
#[derive(Debug, Default)]
pub struct OutputLog {
    /// `(number, line)`, oldest first.
    lines: VecDeque<(u64, String)>,
    /// The number the next line gets.
    next: u64,
}

impl OutputLog {
    /// Appends one complete line.
    pub fn push(&mut self, line: String) {
        if self.lines.len() == LOG_LINES {
            self.lines.pop_front();
        }
        self.lines.push_back((self.next, line));
        self.next += 1;
    }

    /// The last `n` lines kept, oldest first.
    pub fn last(&self, n: usize) -> Vec<String> {
        let skip = self.lines.len().saturating_sub(n);
        self.lines
            .iter()
            .skip(skip)
            .map(|(_, line)| line.clone())
            .collect()
    }

    /// Where the log is now.
    pub fn mark(&self) -> OutputMark {
        OutputMark(self.next)
    }

    /// The lines printed since `mark` that are still kept, and how many were printed since
    /// then in all.
    pub fn since(&self, mark: OutputMark) -> (Vec<String>, u64) {
        let kept = self
            .lines
            .iter()
            .filter(|(n, _)| *n >= mark.0)
            .map(|(_, line)| line.clone())
            .collect();
        (kept, self.next.saturating_sub(mark.0))
    }
}

/// The note for a failing test when the server printed `lines` (`printed` in all) during
/// it: `None` when it printed nothing but blank lines. Shows the last [`NOTE_LINES`], since
/// an exception's last line names it.
pub fn note(lines: &[String], printed: u64) -> Option<String> {
    if lines.iter().all(|l| l.trim().is_empty()) {
        return None;
    }
    let shown = &lines[lines.len().saturating_sub(NOTE_LINES)..];
    let mut note = String::from("the server printed during this test:");
    let left_out = printed.saturating_sub(shown.len() as u64);
    if left_out > 0 {
        let _ = write!(note, " ({left_out} earlier lines not shown)");
    }
    for line in shown {
        let visible = crate::wire::visible(line.trim_end());
        let _ = write!(note, "\n  {}", crate::wire::cut(&visible, NOTE_LINE_CHARS));
    }
    Some(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_lines_since_the_mark_are_given() {
        let mut log = OutputLog::default();
        log.push("before".into());
        let mark = log.mark();
        assert_eq!(log.since(mark), (vec![], 0));
        log.push("during 1".into());
        log.push("during 2".into());
        assert_eq!(
            log.since(mark),
            (vec!["during 1".to_string(), "during 2".to_string()], 2)
        );
    }

    #[test]
    fn the_log_and_the_note_are_bounded_and_escaped() {
        let mut log = OutputLog::default();
        let mark = log.mark();
        for i in 0..500 {
            log.push(format!("line {i}"));
        }
        log.push(format!("\x1b[31m{}", "x".repeat(1000)));
        let (lines, printed) = log.since(mark);
        assert_eq!((lines.len(), printed), (LOG_LINES, 501));
        let shown = note(&lines, printed).unwrap();
        let body: Vec<&str> = shown.lines().skip(1).collect();
        assert_eq!(body.len(), NOTE_LINES);
        assert!(shown.contains("(481 earlier lines not shown)"), "{shown}");
        assert!(shown.contains("\\u{1b}[31m"), "escaped: {shown}");
        assert!(!shown.contains('\x1b'));
        // Cut, with the true length said: `… (1005 bytes in all)`.
        assert!(shown.contains("bytes in all)"), "{shown}");
        assert!(
            body.iter()
                .all(|l| l.chars().count() <= NOTE_LINE_CHARS + 30)
        );
        assert_eq!(note(&["  ".into()], 1), None);
    }
}
