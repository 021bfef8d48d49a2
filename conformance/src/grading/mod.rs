//! Points: the `[grading]` table a teacher writes (in the profile, or in a file of its own
//! given with `--grading`), and the scores of a run under it.
//!
//! ```toml
//! [grading]
//! total = 100                 # the points of the whole run (default: 1 per graded test)
//! visibility = "visible"      # Gradescope's visibility of the results and of every test
//!
//! [grading.weights]           # relative weights, default 1 each
//! join = 2                    # a group: every join test
//! LEAVE-1 = 3                 # a requirement id: every test of it
//! "leave.quit" = 5            # a test id
//!
//! [grading.test_visibility]   # Gradescope's visibility of some tests
//! "cleanup.churn" = "hidden"
//! ```
//!
//! A test's weight is that of the most specific entry naming it (test id, then requirement
//! id, then group). The scoring rules (the `score` module) are the README's "For teachers".

mod score;
mod table;

use std::fmt;
use std::path::Path;

pub use score::{Scores, TestScore, points_text};

/// Gradescope's fixed visibility values, for the results and for each test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Never shown to the student.
    Hidden,
    /// Shown once the due date has passed.
    AfterDueDate,
    /// Shown once the grades are published.
    AfterPublished,
    /// Always shown.
    Visible,
}

impl Visibility {
    /// Every value, as written in a `[grading]` table.
    pub const ALL: [(&'static str, Visibility); 4] = [
        ("hidden", Visibility::Hidden),
        ("after_due_date", Visibility::AfterDueDate),
        ("after_published", Visibility::AfterPublished),
        ("visible", Visibility::Visible),
    ];
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Visibility::ALL
            .iter()
            .find(|(_, v)| v == self)
            .map_or("visible", |(name, _)| name);
        f.write_str(name)
    }
}

/// A checked `[grading]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Grading {
    /// The points of the whole run; `None`: one point per graded test of default weight.
    pub total: Option<f64>,
    /// The visibility of the results and of every test not named in `test_visibility`.
    pub visibility: Visibility,
    /// (test id, requirement id or group; weight ≥ 0), in the order written.
    pub weights: Vec<(String, f64)>,
    /// (test id, requirement id or group; visibility), in the order written.
    pub test_visibility: Vec<(String, Visibility)>,
}

impl Default for Grading {
    /// Equal weights, one point each, everything visible.
    fn default() -> Self {
        Grading {
            total: None,
            visibility: Visibility::Visible,
            weights: Vec::new(),
            test_visibility: Vec::new(),
        }
    }
}

/// A `[grading]` table that cannot be used: says where, and names the key.
#[derive(Debug, thiserror::Error)]
pub enum GradingError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path as given.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not TOML.
    #[error("{path}: {message}")]
    Syntax {
        /// The path as given.
        path: String,
        /// The TOML parser's message, on one line.
        message: String,
    },
    /// A key is unknown, of the wrong type, or out of range.
    #[error("{path}: key `{key}`: {message}")]
    Key {
        /// The path as given.
        path: String,
        /// The full key at fault, e.g. `grading.weights.join`.
        key: String,
        /// What is wrong with it.
        message: String,
    },
}

impl Grading {
    /// The `[grading]` table of the run: the one in `grading_file` (`--grading`), or the one
    /// in the profile file `profile` (a built-in profile has none), or the default. Both at
    /// once is an error, so that no table is silently ignored.
    pub fn load(profile: &str, grading_file: Option<&Path>) -> Result<Grading, GradingError> {
        let in_profile = if crate::profile::BUILT_IN.contains(&profile) {
            None
        } else {
            table::grading_table(profile, &read(Path::new(profile))?, false)?
        };
        let in_file = match grading_file {
            Some(path) => {
                let name = path.display().to_string();
                let table = table::grading_table(&name, &read(path)?, true)?;
                Some(table.ok_or_else(|| GradingError::Key {
                    path: name,
                    key: "grading".into(),
                    message: "missing: the file must hold a [grading] table".into(),
                })?)
            }
            None => None,
        };
        match (in_profile, in_file) {
            (Some(_), Some((name, _))) => Err(GradingError::Key {
                path: name,
                key: "grading".into(),
                message: format!(
                    "the profile {profile} has a [grading] table too; keep only one of them"
                ),
            }),
            (Some((name, t)), None) | (None, Some((name, t))) => table::parse(&name, &t),
            (None, None) => Ok(Grading::default()),
        }
    }

    /// Parses the `[grading]` table of TOML text (a profile, or a grading file); the default
    /// when it has none. `name` is used in errors.
    pub fn parse(name: &str, text: &str) -> Result<Grading, GradingError> {
        match table::grading_table(name, text, false)? {
            Some((name, t)) => table::parse(&name, &t),
            None => Ok(Grading::default()),
        }
    }

    /// Every key of `weights` and `test_visibility` that names no test of `tests` (id,
    /// requirement), as (table, name): a typo would silently grade nothing.
    pub fn unknown_names(&self, tests: &[(&str, &str)]) -> Vec<(&'static str, &str)> {
        let names = |name: &str| {
            tests
                .iter()
                .any(|(id, req)| Selector::of(name, id, req).is_some())
        };
        let weights = self.weights.iter().map(|(n, _)| ("weights", n.as_str()));
        let visibility = self
            .test_visibility
            .iter()
            .map(|(n, _)| ("test_visibility", n.as_str()));
        weights
            .chain(visibility)
            .filter(|(_, name)| !names(name))
            .collect()
    }

    /// The weight of the test `id`, which checks `requirement`.
    pub fn weight(&self, id: &str, requirement: &str) -> f64 {
        most_specific(&self.weights, id, requirement).unwrap_or(1.0)
    }

    /// Gradescope's visibility of the test `id`, which checks `requirement`.
    pub fn visibility_of(&self, id: &str, requirement: &str) -> Visibility {
        most_specific(&self.test_visibility, id, requirement).unwrap_or(self.visibility)
    }
}

/// How specifically a key names a test: the order of precedence, most specific last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Selector {
    Group,
    Requirement,
    Test,
}

impl Selector {
    /// How `name` names the test `id` of `requirement`, if it does.
    fn of(name: &str, id: &str, requirement: &str) -> Option<Selector> {
        if name == id {
            Some(Selector::Test)
        } else if name == requirement {
            Some(Selector::Requirement)
        } else if name == crate::model::group_of(id) {
            Some(Selector::Group)
        } else {
            None
        }
    }
}

/// The value of the most specific entry of `entries` naming the test.
fn most_specific<T: Copy>(entries: &[(String, T)], id: &str, requirement: &str) -> Option<T> {
    entries
        .iter()
        .filter_map(|(name, value)| Selector::of(name, id, requirement).map(|s| (s, *value)))
        .max_by_key(|(selector, _)| *selector)
        .map(|(_, value)| value)
}

fn read(path: &Path) -> Result<String, GradingError> {
    std::fs::read_to_string(path).map_err(|source| GradingError::Read {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests;
