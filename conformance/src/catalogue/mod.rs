//! The built-in tests: one module per group, each test tied to a PROTOCOL.md requirement.
//!
//! A test is a [`TestCase`]: its metadata beside its body, an async closure over a
//! [`Session`](crate::session::Session) that joins simulated users, makes them act, and states
//! what each must see (`join.rs` is the model to copy). What several groups share is in
//! `support.rs`; a group never imports another. Ids are stable (`group.name`): reports,
//! `--filter`, profiles' `skip` lists and teachers' CI depend on them.

use std::sync::Arc;

pub use crate::case::{BUDGET, TestCase};

mod broadcast;
mod cleanup;
mod framing;
mod input;
mod join;
mod leave;
mod limits;
mod order;
mod quit;
mod scale;
mod slow;
mod support;

/// Every built-in test, core groups first, in a stable order.
pub fn all() -> Vec<TestCase> {
    let mut tests = [
        join::tests(),
        broadcast::tests(),
        order::tests(),
        leave::tests(),
        quit::tests(),
        cleanup::tests(),
        framing::tests(),
        input::tests(),
        limits::tests(),
        slow::tests(),
        scale::tests(),
    ]
    .concat();
    // Tests written in the scenario format go with their group.
    for script in crate::scenario::built_in() {
        let case = crate::scenario::test_case(Arc::clone(script));
        let at = tests
            .iter()
            .rposition(|t| t.group() == case.group())
            .map_or(tests.len(), |i| i + 1);
        tests.insert(at, case);
    }
    tests
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_well_formed_and_tied_to_protocol_md() {
        let tests = all();
        assert!(tests.len() >= 30, "only {} tests", tests.len());
        let mut ids = HashSet::new();
        for t in &tests {
            assert!(ids.insert(t.id), "duplicate id {}", t.id);
            let (group, name) = t.id.split_once('.').expect("group.name");
            assert!(
                !group.is_empty() && !name.is_empty() && !name.contains('.'),
                "{}",
                t.id
            );
            assert!(
                crate::requirements::lookup(t.requirement).is_some(),
                "{} names {}, which PROTOCOL.md does not define",
                t.id,
                t.requirement
            );
            assert!(
                !t.title.is_empty() && !t.steps.is_empty() && !t.causes.is_empty(),
                "{}",
                t.id
            );
        }
    }

    #[test]
    fn core_groups_are_core_and_strict_groups_strict() {
        for t in all() {
            match t.group() {
                "join" | "broadcast" | "order" | "leave" | "quit" | "cleanup" | "framing" => {}
                "input" | "limits" | "slow" | "scale" => {
                    assert_eq!(t.level, Level::Strict, "{} should be strict", t.id)
                }
                other => panic!("{}: unknown group {other}", t.id),
            }
        }
    }
}
