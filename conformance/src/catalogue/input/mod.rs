//! `input`: rejected names and hostile chat input — blank, duplicate, over-long and control
//! names, over-long lines, megabytes without a newline, invalid UTF-8, terminal control
//! characters (INPUT-*).
//!
//! One concern per file: [`names`] (a name is refused: an error line, then a close),
//! [`text`] (a hostile chat line is refused or neutralised, and its sender stays),
//! [`flood`] (megabytes without a newline) and [`show`] (how these tests quote what
//! arrived: long events cut, at most ten of them).

mod flood;
mod names;
mod show;
mod text;

use crate::case::TestCase;

/// The group, in the order the tests run.
pub fn tests() -> Vec<TestCase> {
    vec![
        names::empty_name(),
        names::duplicate_name(),
        names::long_name(),
        names::control_name(),
        text::long_line(),
        flood::no_newline_flood(),
        text::invalid_utf8(),
        text::control_text(),
    ]
}
