//! "Did you mean …?": the closest of the known names to one the user misspelt, for `--explain`
//! ids and profile keys. The similarity is Jaro–Winkler's (as clap's own suggestions), so a
//! slip of a letter or two, or a missing suffix, finds its word and an unrelated word finds
//! nothing.

use std::sync::LazyLock;

use regex::Regex;

/// How similar a word must be to a candidate to suggest it (1.0: the same word).
const THRESHOLD: f64 = 0.8;

/// The candidate most similar to `word`, if any is similar enough.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= THRESHOLD)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `did you mean `welcome`?` for serde's "unknown field `welcom`, expected one of `framing`,
/// …" (a misspelt key of a TOML file read with `deny_unknown_fields`); `None` for any other
/// message, or when no expected key is near.
pub fn unknown_field(serde_message: &str) -> Option<String> {
    static UNKNOWN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"unknown field `([^`]*)`, expected (.*)").expect("a valid regex")
    });
    static QUOTED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"`([^`]*)`").expect("a valid regex"));
    let found = UNKNOWN.captures(serde_message)?;
    let expected = QUOTED
        .captures_iter(found.get(2)?.as_str())
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str());
    let near = closest(&found[1], expected)?;
    Some(format!("did you mean `{near}`?"))
}

#[cfg(test)]
mod tests {
    use super::{closest, unknown_field};

    #[test]
    fn a_slip_finds_its_word_and_nonsense_finds_nothing() {
        let keys = ["welcome", "leave", "join", "chat"];
        assert_eq!(closest("welcom", keys), Some("welcome"));
        assert_eq!(closest("wellcome", keys), Some("welcome"));
        assert_eq!(closest("leaev", keys), Some("leave"));
        assert_eq!(closest("zzz", keys), None);
        assert_eq!(closest("x", []), None);
    }

    #[test]
    fn a_misspelt_key_gets_the_expected_key_nearest_to_it() {
        let message = "unknown field `welcom`, expected one of `framing`, `quit`, `welcome`";
        assert_eq!(
            unknown_field(message).as_deref(),
            Some("did you mean `welcome`?")
        );
        let alone = "unknown field `farewel`, expected `farewell`";
        assert_eq!(
            unknown_field(alone).as_deref(),
            Some("did you mean `farewell`?")
        );
        assert_eq!(unknown_field("unknown field `zzz`, expected `quit`"), None);
        assert_eq!(
            unknown_field("invalid type: integer, expected a string"),
            None
        );
    }
}
