//! The catalogue's bugs planted in the classic fixtures (`fixtures/wild/classic_*.py`) as
//! source patches, read from `fixtures/wild/classic_bugs.toml`: each patch's `find` must
//! occur exactly once in the fixture, so a fixture edited under a patch fails loudly here
//! instead of silently running unpatched. The patched copies are written under the test's
//! temporary folder, where they can be run by hand when a verdict is wrong.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chat_test_support::root;
use toml::Value;

use crate::catalogue::Bug;

const PATCHES: &str = "fixtures/wild/classic_bugs.toml";

/// What the judgement does with one bug in one fixture.
pub enum Plan {
    /// Run this patched copy of the fixture.
    Patched(PathBuf),
    /// The fixture as written has the bug: its own run must show it.
    AsWritten(String),
    /// The bug cannot exist in this design: listed with the reason, not run.
    NotApplicable(String),
}

/// Every bug of the catalogue, planned for `fixture` (`classic_lines`, `classic_recv`).
pub fn plans(fixture: &str, bugs: &[Bug]) -> Vec<Plan> {
    let text = std::fs::read_to_string(root().join(PATCHES)).expect("the patch file is readable");
    let table: Value = toml::from_str(&text).unwrap_or_else(|e| panic!("{PATCHES}: {e}"));
    let entries = table
        .get(fixture)
        .and_then(Value::as_table)
        .unwrap_or_else(|| panic!("{PATCHES} has no [{fixture}] table"));
    let known: BTreeSet<&str> = bugs.iter().map(|b| b.name.as_str()).collect();
    for name in entries.keys() {
        assert!(
            known.contains(name.as_str()),
            "{PATCHES}: [{fixture}] names {name:?}, which is not in the catalogue"
        );
    }
    let source_path = root().join(format!("fixtures/wild/{fixture}.py"));
    let source = std::fs::read_to_string(&source_path).expect("the fixture is readable");
    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("planted");
    std::fs::create_dir_all(&folder).expect("the planted folder can be created");
    bugs.iter()
        .map(|bug| {
            let entry = entries.get(&bug.name).unwrap_or_else(|| {
                panic!(
                    "{PATCHES}: [{fixture}] has nothing for the catalogue's bug {:?} \
                     (patches, \"as written: …\" or \"not applicable: …\")",
                    bug.name
                )
            });
            match entry {
                Value::String(why) => reason(fixture, &bug.name, why),
                Value::Array(patches) => {
                    let planted = patch(&source, patches, fixture, &bug.name);
                    let path = folder.join(format!("{fixture}-{}.py", bug.name));
                    std::fs::write(&path, planted).expect("the planted copy can be written");
                    Plan::Patched(path)
                }
                other => panic!("{PATCHES}: [{fixture}] {}: unexpected {other}", bug.name),
            }
        })
        .collect()
}

fn reason(fixture: &str, bug: &str, why: &str) -> Plan {
    if let Some(why) = why.strip_prefix("as written: ") {
        Plan::AsWritten(why.to_string())
    } else if let Some(why) = why.strip_prefix("not applicable: ") {
        Plan::NotApplicable(why.to_string())
    } else {
        panic!(
            "{PATCHES}: [{fixture}] {bug}: a reason starts with \"as written: \" or \"not applicable: \""
        )
    }
}

fn patch(source: &str, patches: &[Value], fixture: &str, bug: &str) -> String {
    let mut planted = source.to_string();
    for (i, p) in patches.iter().enumerate() {
        let field = |key: &str| {
            p.get(key)
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("{PATCHES}: {fixture}.{bug} patch {i} has no {key}"))
        };
        let (find, replace) = (field("find"), field("replace"));
        let found = planted.matches(find).count();
        assert_eq!(
            found, 1,
            "{PATCHES}: {fixture}.{bug} patch {i}: `find` occurs {found} times in the fixture, \
             not once: {find:?}"
        );
        planted = planted.replacen(find, replace, 1);
    }
    planted
}
