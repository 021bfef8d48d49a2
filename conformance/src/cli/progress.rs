//! The suite's progress line on stderr while tests run, `[3/41] join.single`: drawn by
//! `indicatif` (which redraws and clears it), and only when stderr is a terminal and no
//! machine-readable report goes to standard output; cleared before the report is written.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::reports::{self, ReportSpec};
use crate::report::Format;

/// The progress line of one run.
pub(super) struct Progress(ProgressBar);

impl Progress {
    /// A line for `total` tests, drawn when stderr is a terminal and the report on standard
    /// output, if any, is the human one; hidden otherwise.
    pub(super) fn new(total: usize, specs: &[ReportSpec]) -> Progress {
        let shown = std::io::stderr().is_terminal()
            && reports::on_stdout(specs).is_none_or(|f| f == Format::Human);
        Progress::drawn_if(shown, total)
    }

    fn drawn_if(shown: bool, total: usize) -> Progress {
        if !shown {
            return Progress(ProgressBar::hidden());
        }
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("[{pos}/{len}] {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Progress(bar)
    }

    /// Test `i` (from 0) of the run, `id`, has started.
    pub(super) fn started(&self, i: usize, id: &str) {
        self.0.set_position(i as u64 + 1);
        self.0.set_message(id.to_owned());
    }

    /// The run is over: the line is cleared.
    pub(super) fn finish(self) {
        self.0.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::Progress;

    #[test]
    fn a_hidden_line_counts_nothing_and_a_drawn_one_follows_the_tests() {
        let hidden = Progress::drawn_if(false, 3);
        hidden.started(0, "join.single");
        assert!(hidden.0.is_hidden());
        let drawn = Progress::drawn_if(true, 3);
        drawn.started(1, "join.many");
        assert_eq!(drawn.0.position(), 2);
        assert_eq!(drawn.0.length(), Some(3));
        assert_eq!(drawn.0.message(), "join.many");
        drawn.finish();
    }
}
