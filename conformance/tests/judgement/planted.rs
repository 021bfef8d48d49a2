//! Bugs planted in fixture servers as source patches, read from a patch file
//! (`fixtures/wild/classic_bugs.toml`, `fixtures/dialects/bugs.toml`): each patch's `find`
//! must occur exactly once in the fixture, so a fixture edited under a patch fails loudly
//! here instead of silently running unpatched. The patched copies are written under the
//! test's temporary folder, where they can be run by hand when a verdict is wrong.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chat_test_support::root;
use toml::Value;

use crate::catalogue::Bug;
use crate::run::Catch;

/// Fixtures of one folder and the file of the bugs planted in them.
pub struct Corpus {
    /// What the table is titled.
    pub title: &'static str,
    /// The fixtures' folder: each `NAME.py` (or `NAME.java`) has its profile `NAME.toml`
    /// beside it.
    pub folder: &'static str,
    pub fixtures: &'static [&'static str],
    pub patches: &'static str,
    /// Every bug of the catalogue must have an entry for every fixture (patches, or why
    /// none); otherwise a fixture lists only the bugs that prove something about it.
    pub complete: bool,
}

/// What the judgement does with one bug in one fixture.
pub enum Plan {
    /// Run this patched copy of the fixture.
    Patched(PathBuf),
    /// The fixture as written has the bug: its own run must show it.
    AsWritten(String),
    /// The bug cannot exist in this design: listed with the reason, not run.
    NotApplicable(String),
    /// The patch file plants nothing of this bug here.
    NotPlanted,
}

impl Plan {
    /// Whether the judgement needs a run for it (a patched copy or the fixture as written).
    pub fn is_judged(&self) -> bool {
        matches!(self, Plan::Patched(_) | Plan::AsWritten(_))
    }
}

impl Corpus {
    /// The source file of `fixture`: `NAME.py`, or `NAME.java` when there is no `.py`.
    pub fn source(&self, fixture: &str) -> PathBuf {
        let python = root().join(self.folder).join(format!("{fixture}.py"));
        if python.exists() {
            python
        } else {
            root().join(self.folder).join(format!("{fixture}.java"))
        }
    }

    fn table(&self) -> Value {
        let text = std::fs::read_to_string(root().join(self.patches))
            .unwrap_or_else(|e| panic!("{}: {e}", self.patches));
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", self.patches))
    }

    /// The catalogue's bugs, then those the patch file defines under `[bugs]`.
    pub fn bugs(&self, catalogue: Vec<Bug>) -> Vec<Bug> {
        let table = self.table();
        let extra = table.get("bugs").and_then(Value::as_table);
        let defined = extra.into_iter().flatten().map(|(name, definition)| {
            let list = |key: &str| -> Vec<String> {
                definition
                    .get(key)
                    .and_then(Value::as_array)
                    .unwrap_or_else(|| panic!("{}: bugs.{name} has no {key} list", self.patches))
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            };
            let level = match definition.get("level").and_then(Value::as_str) {
                Some("strict") => "strict",
                Some("core") => "core",
                other => panic!("{}: bugs.{name}: level {other:?}", self.patches),
            };
            Bug {
                name: name.clone(),
                level,
                catch: Catch {
                    groups: list("groups"),
                    requirements: list("requirements"),
                },
            }
        });
        catalogue
            .into_iter()
            .chain(defined.collect::<Vec<_>>())
            .collect()
    }

    /// Every bug of `bugs`, planned for `fixture`.
    pub fn plans(&self, fixture: &str, bugs: &[Bug]) -> Vec<Plan> {
        let table = self.table();
        let patches = self.patches;
        let entries = table
            .get(fixture)
            .and_then(Value::as_table)
            .unwrap_or_else(|| panic!("{patches} has no [{fixture}] table"));
        let known: BTreeSet<&str> = bugs.iter().map(|b| b.name.as_str()).collect();
        for name in entries.keys() {
            assert!(
                known.contains(name.as_str()),
                "{patches}: [{fixture}] names {name:?}, which is not a bug of the catalogue \
                 or of [bugs]"
            );
        }
        let original = self.source(fixture);
        let source = std::fs::read_to_string(&original).expect("the fixture is readable");
        let file_name = original.file_name().expect("a file").to_owned();
        let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("planted");
        std::fs::create_dir_all(&folder).expect("the planted folder can be created");
        bugs.iter()
            .map(|bug| match entries.get(&bug.name) {
                None if self.complete => panic!(
                    "{patches}: [{fixture}] has nothing for the catalogue's bug {:?} \
                     (patches, \"as written: …\" or \"not applicable: …\")",
                    bug.name
                ),
                None => Plan::NotPlanted,
                Some(Value::String(why)) => reason(patches, fixture, &bug.name, why),
                Some(Value::Array(list)) => {
                    let planted = patch(&source, list, patches, fixture, &bug.name);
                    // A folder per copy: a Java file must keep its class's name.
                    let copy = folder.join(format!("{fixture}-{}", bug.name));
                    std::fs::create_dir_all(&copy).expect("the planted folder can be created");
                    let path = copy.join(&file_name);
                    std::fs::write(&path, planted).expect("the planted copy can be written");
                    Plan::Patched(path)
                }
                Some(other) => panic!("{patches}: [{fixture}] {}: unexpected {other}", bug.name),
            })
            .collect()
    }
}

fn reason(patches: &str, fixture: &str, bug: &str, why: &str) -> Plan {
    if let Some(why) = why.strip_prefix("as written: ") {
        Plan::AsWritten(why.to_string())
    } else if let Some(why) = why.strip_prefix("not applicable: ") {
        Plan::NotApplicable(why.to_string())
    } else {
        panic!(
            "{patches}: [{fixture}] {bug}: a reason starts with \"as written: \" or \
             \"not applicable: \""
        )
    }
}

fn patch(source: &str, list: &[Value], patches: &str, fixture: &str, bug: &str) -> String {
    let mut planted = source.to_string();
    for (i, p) in list.iter().enumerate() {
        let field = |key: &str| {
            p.get(key)
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("{patches}: {fixture}.{bug} patch {i} has no {key}"))
        };
        let (find, replace) = (field("find"), field("replace"));
        let found = planted.matches(find).count();
        assert_eq!(
            found, 1,
            "{patches}: {fixture}.{bug} patch {i}: `find` occurs {found} times in the fixture, \
             not once: {find:?}"
        );
        planted = planted.replacen(find, replace, 1);
    }
    planted
}
