//! `chat_protocol::validate_name` and `neutralize_controls` on any text: an accepted name is
//! the trimmed input, non-empty, within the limit and free of control characters; the
//! neutralised text has no dangerous control left, as many characters as the input, and
//! neutralising it again changes nothing.
//!
//! Input: `[max_chars, text…]` (text must be UTF-8, as the server's lines are by then).

#![no_main]

use chat_protocol::text::is_dangerous_control;
use chat_protocol::{NameError, neutralize_controls, validate_name};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&max, rest)) = input.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let max = usize::from(max);
    match validate_name(text, max) {
        Ok(name) => {
            assert_eq!(name, text.trim());
            assert!(!name.is_empty());
            assert!(name.chars().count() <= max);
            assert!(
                !name
                    .chars()
                    .any(|c| c.is_control() || is_dangerous_control(c))
            );
        }
        Err(NameError::Empty) => assert!(text.trim().is_empty()),
        Err(NameError::TooLong { max: m }) => {
            assert_eq!(m, max);
            assert!(text.trim().chars().count() > max);
        }
        Err(NameError::ControlCharacters) => {
            assert!(
                text.trim()
                    .chars()
                    .any(|c| c.is_control() || is_dangerous_control(c))
            );
        }
    }
    let clean = neutralize_controls(text);
    assert!(!clean.chars().any(is_dangerous_control));
    assert_eq!(clean.chars().count(), text.chars().count());
    assert_eq!(neutralize_controls(&clean), clean);
});
