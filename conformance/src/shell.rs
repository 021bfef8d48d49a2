//! Shell words: text quoted so that `sh -c` reads it back as one word.

/// `text` as one shell word: in single quotes, each `'` written `'\''`.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
