//! `--repeat N`: a test that fails is run again, alone, until it has had N attempts in all,
//! and its verdict says how many failed. A race in the server shows as some attempts
//! failing and others passing: [`Status::Intermittent`], which still counts as a failure.
//!
//! Each attempt has its own seed, derived from the test's seed and the attempt number
//! ([`attempt_seed`]): the first attempt uses the test's seed unchanged (so a run without
//! `--repeat` is reproduced by `--seed`), later attempts differ in their random choices
//! (names, message texts) as a fresh run would. The failure shown is the first failing
//! attempt's.

use crate::model::{Attempts, Status};

/// The seed of attempt `attempt` (1-based) of a test whose seed is `test_seed`.
pub fn attempt_seed(test_seed: u64, attempt: u32) -> u64 {
    if attempt <= 1 {
        return test_seed;
    }
    // SplitMix64 finaliser over the test seed and the attempt number.
    let mut z = test_seed ^ u64::from(attempt).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The verdict of a test from its first attempt's status (a failure) and the outcomes of the
/// later attempts (`true`: that attempt failed too).
pub fn combine(first: Status, later: &[bool]) -> Status {
    let Status::Fail(mut failed) = first else {
        return first;
    };
    let of = u32::try_from(later.len() + 1).unwrap_or(u32::MAX);
    let failures = 1 + later.iter().filter(|&&f| f).count();
    failed.attempts = Attempts {
        failed: u32::try_from(failures).unwrap_or(u32::MAX),
        of,
    };
    if failures < later.len() + 1 {
        Status::Intermittent(failed)
    } else {
        Status::Fail(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Failed;

    fn failure() -> Status {
        Status::Fail(Box::new(Failed::new("x", "y")))
    }

    #[test]
    fn all_failing_attempts_are_a_failure_with_its_count() {
        match combine(failure(), &[true, true]) {
            Status::Fail(f) => assert_eq!(f.attempts, Attempts { failed: 3, of: 3 }),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn some_passing_attempts_are_intermittent() {
        match combine(failure(), &[false, true]) {
            Status::Intermittent(f) => {
                assert_eq!(f.attempts, Attempts { failed: 2, of: 3 });
                assert_eq!(f.actual, "y", "the first failure is shown");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(combine(Status::pass(), &[]), Status::pass());
    }

    #[test]
    fn each_attempt_has_its_own_seed_and_the_first_is_the_tests() {
        assert_eq!(attempt_seed(42, 1), 42);
        let seeds: std::collections::HashSet<u64> =
            (1..=100).map(|a| attempt_seed(42, a)).collect();
        assert_eq!(seeds.len(), 100);
        assert_eq!(attempt_seed(42, 3), attempt_seed(42, 3));
    }
}
