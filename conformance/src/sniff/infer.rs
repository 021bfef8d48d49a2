//! From received bytes to templates: cutting reads into messages in a framing, and turning
//! an observed line into a template by finding the names and texts the probe chose.
//! Nothing here knows any server's wording: only the probe's own names and texts are looked
//! for.

use crate::profile::Framing;
use crate::wire::{lossy, strip_ansi};

use super::conn::Gathered;

/// Whether the reads contain a terminal escape sequence (ESC followed by `[` or `]`).
pub fn has_escapes(reads: &[Vec<u8>]) -> bool {
    reads.iter().any(|r| {
        r.windows(2)
            .any(|w| w[0] == 0x1b && (w[1] == b'[' || w[1] == b']'))
    })
}

/// The framing the server's own lines show: `None` when nothing was seen, line framing
/// when what came ends with `\n` (a line may come in several writes), chunk framing
/// otherwise.
pub fn framing_of(reads: &[Vec<u8>]) -> Option<Framing> {
    let all = reads.concat();
    if all.is_empty() {
        return None;
    }
    Some(if all.ends_with(b"\n") {
        Framing::Line
    } else {
        Framing::Chunk
    })
}

/// The messages in `got`, cut as `framing` says: lines (a last piece without `\n` kept as
/// one), or one message per read. Escapes are removed when `strip`; `\r` at a line's end
/// and blank messages are dropped.
pub fn messages(got: &Gathered, framing: Framing, strip: bool) -> Vec<String> {
    let pieces: Vec<String> = match framing {
        Framing::Line => {
            let all: Vec<u8> = got.reads.concat();
            lossy(&all).split('\n').map(str::to_string).collect()
        }
        Framing::Chunk => got.reads.iter().map(|r| lossy(r)).collect(),
    };
    pieces
        .into_iter()
        .map(|p| if strip { strip_ansi(&p) } else { p })
        .map(|p| p.trim_end_matches(['\r', '\n']).to_string())
        .filter(|p| !p.trim().is_empty())
        .collect()
}

/// `text` as a template's literal text: braces doubled.
pub fn literal(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}

/// `line` as a template: its one occurrence of `user` becomes `{user}` and of `text`
/// `{text}` (either may be absent); `None` when either occurs more than once, so a template
/// is never guessed from an ambiguous line.
pub fn template(line: &str, user: Option<&str>, text: Option<&str>) -> Option<String> {
    let mut spots: Vec<(usize, &str, &str)> = Vec::new();
    for (value, placeholder) in [(user, "{user}"), (text, "{text}")] {
        let Some(value) = value else { continue };
        match line.match_indices(value).count() {
            0 => continue,
            1 => spots.push((line.find(value)?, value, placeholder)),
            _ => return None,
        }
    }
    spots.sort_by_key(|s| s.0);
    let mut out = String::new();
    let mut at = 0;
    for (start, value, placeholder) in spots {
        if start < at {
            return None;
        }
        out.push_str(&literal(&line[at..start]));
        out.push_str(placeholder);
        at = start + value.len();
    }
    out.push_str(&literal(&line[at..]));
    Some(out)
}

/// An error line as a template: what follows its first `": "` is the reason
/// (`ERROR: name in use` → `ERROR: {reason}`); a line without one is taken whole.
pub fn error_template(line: &str) -> String {
    match line.split_once(": ") {
        Some((head, reason)) if !reason.trim().is_empty() => {
            format!("{}: {{reason}}", literal(head))
        }
        _ => literal(line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_becomes_a_template_by_the_probe_s_own_values() {
        assert_eq!(
            template("[anaqx] hola7k", Some("anaqx"), Some("hola7k")).as_deref(),
            Some("[{user}] {text}")
        );
        assert_eq!(
            template("*** anaqx entró {x} ***", Some("anaqx"), None).as_deref(),
            Some("*** {user} entró {{x}} ***")
        );
        assert_eq!(template("anaqx anaqx", Some("anaqx"), None), None);
        assert_eq!(
            template("hola7k", Some("anaqx"), Some("hola7k")).as_deref(),
            Some("{text}")
        );
    }

    #[test]
    fn an_error_line_keeps_its_head_and_names_its_reason() {
        assert_eq!(error_template("ERROR: nombre en uso"), "ERROR: {reason}");
        assert_eq!(
            error_template("[server] error: name taken"),
            "[server] error: {reason}"
        );
        assert_eq!(error_template("Ese nombre no vale."), "Ese nombre no vale.");
    }

    #[test]
    fn reads_are_cut_in_the_framing() {
        let got = Gathered {
            reads: vec![b"a\r\nb".to_vec(), b"c\n\n".to_vec()],
            ..Gathered::default()
        };
        assert_eq!(messages(&got, Framing::Line, false), ["a", "bc"]);
        assert_eq!(messages(&got, Framing::Chunk, false), ["a\r\nb", "c"]);
        assert_eq!(framing_of(&got.reads), Some(Framing::Line));
        assert_eq!(
            framing_of(&[b"a\n".to_vec(), b"b".to_vec()]),
            Some(Framing::Chunk)
        );
        assert_eq!(framing_of(&[]), None);
        assert!(has_escapes(&[b"\x1b[31mx".to_vec()]));
    }
}
