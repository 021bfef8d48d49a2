//! Text rules: valid names (JOIN-1, INPUT-1..4) and control-character neutralisation
//! (INPUT-7), shared by the server (before broadcasting) and the client (before printing).

use std::borrow::Cow;
use std::fmt;

/// The character that stands in for anything we refuse to pass on raw.
pub const REPLACEMENT: char = '\u{FFFD}';

/// True for characters that could drive a terminal: C0 controls except TAB, DEL, and C1.
pub fn is_dangerous_control(c: char) -> bool {
    (c.is_control() && c != '\t') || ('\u{80}'..='\u{9f}').contains(&c)
}

/// Replaces every dangerous control character (ESC, BEL, backspace, CR, …) with U+FFFD, so a
/// message can never clear, recolour or rewrite someone else's terminal (INPUT-7).
/// Borrows when there is nothing to replace, which is almost always.
pub fn neutralize_controls(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_dangerous_control) {
        Cow::Owned(
            text.chars()
                .map(|c| {
                    if is_dangerous_control(c) {
                        REPLACEMENT
                    } else {
                        c
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// Why a proposed name was refused. `Display` gives the reason sent after `ERROR: `, in
/// Spanish like every line a chat user reads (PROTOCOL.md §9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// INPUT-1: nothing left after trimming.
    Empty,
    /// INPUT-3: more characters than the limit.
    TooLong {
        /// The longest name accepted, in characters (`--max-name`).
        max: usize,
    },
    /// INPUT-4: a control character somewhere in the name.
    ControlCharacters,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => write!(f, "el nombre no puede estar vacío"),
            NameError::TooLong { max } => write!(f, "el nombre tiene más de {max} caracteres"),
            NameError::ControlCharacters => {
                write!(f, "el nombre no puede contener caracteres de control")
            }
        }
    }
}

impl std::error::Error for NameError {}

/// Checks a proposed name and returns it trimmed (JOIN-1). Uniqueness (INPUT-2) is the
/// room's business, not this function's: only the room knows who is present.
pub fn validate_name(raw: &str, max_chars: usize) -> Result<&str, NameError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name
        .chars()
        .any(|c| c.is_control() || is_dangerous_control(c))
    {
        return Err(NameError::ControlCharacters);
    }
    if name.chars().count() > max_chars {
        return Err(NameError::TooLong { max: max_chars });
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_untouched() {
        assert!(matches!(
            neutralize_controls("hola ñandú\t🙂"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escapes_bells_and_c1_are_replaced() {
        assert_eq!(
            neutralize_controls("a\u{1b}[2Jb\u{7}c\u{9b}d\re"),
            "a�[2Jb�c�d�e"
        );
    }

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(validate_name("  ana \r", 32), Ok("ana"));
        assert_eq!(validate_name(" \t ", 32), Err(NameError::Empty));
        assert_eq!(
            validate_name("a\u{1b}b", 32),
            Err(NameError::ControlCharacters)
        );
        assert_eq!(validate_name("a\tb", 32), Err(NameError::ControlCharacters));
        assert_eq!(
            validate_name(&"ñ".repeat(32), 32),
            Ok("ñ".repeat(32).as_str())
        );
        assert_eq!(
            validate_name(&"x".repeat(33), 32),
            Err(NameError::TooLong { max: 32 })
        );
    }
}
