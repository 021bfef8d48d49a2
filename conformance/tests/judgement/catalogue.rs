//! The bug catalogue, as `fixtures/servers/seed_server.py --list-bugs tsv` prints it: name,
//! requirements, groups, description, tab-separated. A requirement marked `(strict)` makes
//! the bug a strict one: it is judged at `--level strict`.

use std::process::Command;

use chat_test_support::root;

use crate::run::Catch;

#[derive(Clone)]
pub struct Bug {
    pub name: String,
    pub level: &'static str,
    pub catch: Catch,
}

/// The bugs only a race shows: a departure must land while a broadcast walks the list, and
/// a loaded machine (CI, the judgement beside the other tests) can miss that window once.
/// They are judged with `--repeat` [`RACE_ATTEMPTS`]: caught when any attempt fails (an
/// intermittent failure is a failure), as a student would be told to run them.
const RACES: &[&str] = &["list-race"];
const RACE_ATTEMPTS: u32 = 3;

impl Bug {
    /// How many attempts each test gets against this bug (`--repeat`).
    pub fn attempts(&self) -> u32 {
        if RACES.contains(&self.name.as_str()) {
            RACE_ATTEMPTS
        } else {
            1
        }
    }

    /// The `--filter`s that run only the tests that can catch the bug: those of its
    /// groups and of its requirements.
    pub fn filters(&self) -> Vec<String> {
        let groups = self.catch.groups.iter().map(|g| format!("{g}."));
        groups
            .chain(self.catch.requirements.iter().cloned())
            .collect()
    }
}

pub fn bugs() -> Vec<Bug> {
    let out = Command::new("python3")
        .arg(root().join("fixtures/servers/seed_server.py"))
        .args(["--list-bugs", "tsv"])
        .output()
        .expect("python3 runs the fixture server");
    assert!(out.status.success(), "--list-bugs failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.splitn(4, '\t').collect();
            assert_eq!(cols.len(), 4, "cannot read the catalogue line {line:?}");
            let list = |s: &str| -> Vec<String> {
                s.split(',')
                    .map(|x| x.trim().trim_end_matches(" (strict)").to_string())
                    .collect()
            };
            Bug {
                name: cols[0].to_string(),
                level: if cols[1].contains("(strict)") {
                    "strict"
                } else {
                    "core"
                },
                catch: Catch {
                    groups: list(cols[2]),
                    requirements: list(cols[1]),
                },
            }
        })
        .collect()
}
