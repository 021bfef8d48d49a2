//! The client tests, one file per group, each declared where it is written and tied to a
//! CLIENT-* requirement of PROTOCOL.md:
//!
//! - [`name`]: the name is the first message;
//! - [`typing`]: what the user types reaches the server intact, and stays intact on screen;
//! - [`receive`]: what the server sends is shown at once, completely, and never raw;
//! - [`exit`]: the quit word, the end of input, an unreachable server;
//! - [`closed`]: the server closes the connection.

use crate::case::{Declared, TestCase};
use crate::model::Level;

use super::session::ClientSession;

pub mod closed;
pub mod exit;
pub mod name;
pub mod receive;
pub mod typing;

/// A client test.
pub type ClientTest = TestCase<ClientSession>;

/// Declares a core client test (the assignment as taught).
fn core(
    id: &'static str,
    requirement: &'static str,
    title: &'static str,
) -> Declared<ClientSession> {
    Declared::new(id, Level::Core, requirement, title)
}

/// Declares a strict client test (the craft).
fn strict(
    id: &'static str,
    requirement: &'static str,
    title: &'static str,
) -> Declared<ClientSession> {
    Declared::new(id, Level::Strict, requirement, title)
}

/// Every client test, in catalogue order.
pub fn all() -> Vec<ClientTest> {
    [
        name::tests(),
        typing::tests(),
        receive::tests(),
        exit::tests(),
        closed::tests(),
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_requirements_exist() {
        let tests = all();
        crate::case::check_unique(&tests).unwrap();
        for t in &tests {
            assert!(
                crate::requirements::lookup(t.requirement).is_some(),
                "{} names {}, which is not in PROTOCOL.md",
                t.id,
                t.requirement
            );
            assert!(t.requirement.starts_with("CLIENT-"), "{}", t.id);
            assert!(!t.steps.is_empty() && !t.causes.is_empty(), "{}", t.id);
        }
        let core = tests.iter().filter(|t| t.level == Level::Core).count();
        assert_eq!((core, tests.len()), (7, 13));
    }

    #[test]
    fn no_client_group_is_a_server_group() {
        let server: Vec<&str> = crate::catalogue::all().iter().map(|t| t.group()).collect();
        for t in all() {
            assert!(!server.contains(&t.group()), "{}", t.id);
        }
    }
}
