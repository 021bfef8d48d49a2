//! The requirements of PROTOCOL.md, embedded at compile time.
//!
//! Every test names the requirement it checks (`JOIN-2`); reports quote that requirement's
//! level and text so a failure explains itself. The requirements are the rows of PROTOCOL.md's
//! markdown tables whose first cell is an id (`| JOIN-2 | MUST | When a user joins, … |`);
//! other tables (the wording summary, the options) are ignored. The text is kept as written,
//! markdown emphasis and backticks included.

use std::fmt;
use std::sync::LazyLock;

/// PROTOCOL.md as it was when this crate was built.
const PROTOCOL_MD: &str = include_str!("../../PROTOCOL.md");

/// How binding a requirement is (RFC 2119 words, as in PROTOCOL.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequirementLevel {
    /// A server that breaks it is wrong.
    Must,
    /// A robust server does it; checked by `--level strict`.
    Should,
    /// Allowed, never checked as a failure.
    May,
}

impl RequirementLevel {
    /// Parses the level cell of a requirement row (`MUST`, `SHOULD`, `MAY`).
    pub fn parse(cell: &str) -> Option<RequirementLevel> {
        match cell.trim() {
            "MUST" => Some(RequirementLevel::Must),
            "SHOULD" => Some(RequirementLevel::Should),
            "MAY" => Some(RequirementLevel::May),
            _ => None,
        }
    }
}

impl fmt::Display for RequirementLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequirementLevel::Must => "MUST",
            RequirementLevel::Should => "SHOULD",
            RequirementLevel::May => "MAY",
        })
    }
}

/// One numbered requirement of PROTOCOL.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The id, e.g. `JOIN-2`.
    pub id: &'static str,
    /// Its RFC 2119 keyword: MUST, SHOULD or MAY.
    pub level: RequirementLevel,
    /// The requirement's text, as written in PROTOCOL.md (markdown included).
    pub text: String,
}

/// `JOIN-2 (MUST): When a user joins, …` — the form reports quote.
impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.id, self.level, self.text)
    }
}

/// Every requirement, in document order.
static TABLE: LazyLock<Vec<Requirement>> = LazyLock::new(|| parse(PROTOCOL_MD).0);

/// The requirement with this id, if PROTOCOL.md has one.
pub fn lookup(id: &str) -> Option<&'static Requirement> {
    TABLE.iter().find(|r| r.id == id)
}

/// The line a report or `--explain` quotes for a requirement: `JOIN-2 (MUST): <text>`, or
/// the id with a note when PROTOCOL.md has no such requirement.
pub fn line(id: &str) -> String {
    line_in(id, &[])
}

/// [`line()`] in a server's own wording: each quoted reference text (`` `salir` ``,
/// `` `{user} se ha unido al chat` ``) replaced by the server's, from
/// [`Profile::wording`](crate::profile::Profile::wording). Only quoted text (between
/// backquotes) is replaced, so the prose of the requirement stays as PROTOCOL.md says it.
pub fn line_in(id: &str, wording: &[(&str, String)]) -> String {
    let Some(requirement) = lookup(id) else {
        return format!("{id} (not in PROTOCOL.md)");
    };
    let mut text = requirement.to_string();
    for (reference, own) in wording {
        if reference != own {
            text = text.replace(&format!("`{reference}`"), &format!("`{own}`"));
        }
    }
    text
}

/// Every requirement of PROTOCOL.md, in document order.
pub fn all() -> &'static [Requirement] {
    &TABLE
}

/// True when `cell` looks like a requirement id: upper-case letters, `-`, digits (`JOIN-2`).
fn is_id(cell: &str) -> bool {
    match cell.split_once('-') {
        Some((prefix, number)) => {
            !prefix.is_empty()
                && prefix.bytes().all(|b| b.is_ascii_uppercase())
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// Parses the requirement rows of `doc`. Returns the requirements and, separately, a
/// description of every row whose first cell is an id but which is otherwise malformed (a
/// unit test keeps that list empty; the table simply leaves such rows out).
fn parse(doc: &'static str) -> (Vec<Requirement>, Vec<String>) {
    let mut requirements = Vec::new();
    let mut errors = Vec::new();
    for (number, line) in doc.lines().enumerate() {
        let Some(row) = line.trim().strip_prefix('|') else {
            continue;
        };
        let row = row.strip_suffix('|').unwrap_or(row);
        // Split off the first two cells only: the text may itself contain `|`.
        let mut cells = row.splitn(3, '|');
        let id = cells.next().unwrap_or("").trim();
        if !is_id(id) {
            continue;
        }
        let level = cells.next().and_then(RequirementLevel::parse);
        let text = cells.next().map(str::trim).unwrap_or("");
        match level {
            Some(level) if !text.is_empty() => requirements.push(Requirement {
                id,
                level,
                text: text.to_owned(),
            }),
            _ => errors.push(format!("PROTOCOL.md line {}: {line}", number + 1)),
        }
    }
    (requirements, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_requirement_is_quoted_in_the_server_s_wording() {
        let seed = crate::profile::Profile::parse(
            "seed",
            "join = \"*** {user} entró a la sala ***\"\nquit = \"chao\"\n",
        )
        .unwrap();
        let join = line_in("JOIN-2", &seed.wording());
        assert!(
            join.contains("receives `*** {user} entró a la sala ***`, exactly once"),
            "{join}"
        );
        assert!(!join.contains("se ha unido"), "{join}");
        let quit = line_in("QUIT-1", &seed.wording());
        assert!(
            quit.starts_with("QUIT-1 (MUST): A line equal to `chao`"),
            "{quit}"
        );
        assert_eq!(line_in("CHAT-2", &seed.wording()), line("CHAT-2"));
        assert_eq!(line_in("NOPE-1", &[]), "NOPE-1 (not in PROTOCOL.md)");
    }

    #[test]
    fn every_requirement_row_parses() {
        let (requirements, errors) = parse(PROTOCOL_MD);
        assert!(errors.is_empty(), "malformed requirement rows: {errors:#?}");
        // Count the rows that look like requirements independently of the parser.
        let rows = PROTOCOL_MD
            .lines()
            .filter(|l| {
                let l = l.trim_start();
                l.starts_with("| ") && l[2..].split_whitespace().next().is_some_and(is_id)
            })
            .count();
        assert_eq!(requirements.len(), rows);
        assert!(rows >= 30, "only {rows} requirement rows found");
        assert_eq!(all().len(), rows);
    }

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<_> = all().iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), before, "duplicate requirement ids");
    }

    #[test]
    fn join_2_is_found_with_its_text() {
        let r = lookup("JOIN-2").expect("JOIN-2 is in PROTOCOL.md");
        assert_eq!(r.id, "JOIN-2");
        assert_eq!(r.level, RequirementLevel::Must);
        assert_eq!(
            r.text,
            "When a user joins, every *other* user present receives \
             `{user} se ha unido al chat`, exactly once."
        );
        assert!(
            r.to_string()
                .starts_with("JOIN-2 (MUST): When a user joins")
        );
    }

    #[test]
    fn levels_and_first_and_last_rows() {
        assert_eq!(all().first().map(|r| r.id), Some("FRAME-1"));
        assert_eq!(
            lookup("JOIN-5").map(|r| r.level),
            Some(RequirementLevel::May)
        );
        assert_eq!(
            lookup("SLOW-1").map(|r| r.level),
            Some(RequirementLevel::Should)
        );
        assert_eq!(
            lookup("SCALE-2").map(|r| r.level),
            Some(RequirementLevel::Should)
        );
    }

    #[test]
    fn unknown_ids_are_none() {
        assert!(lookup("JOIN-99").is_none());
        assert!(lookup("join-2").is_none());
        assert!(lookup("").is_none());
    }

    #[test]
    fn id_shape() {
        assert!(is_id("JOIN-2"));
        assert!(is_id("LEAVE-10"));
        assert!(!is_id("id"));
        assert!(!is_id("JOIN-"));
        assert!(!is_id("-2"));
        assert!(!is_id("Join-2"));
        assert!(!is_id("`--port`"));
    }
}
