//! Which grading this is: [`grading_id`], unique among the gradings running now, carried
//! into the namespaces by [`INSIDE`]; and the user id its jail runs as.

/// The first of the user ids the jailed commands run as: the grading's is this plus its
/// [`grading_id`], so two gradings at once never share one (nor its process count).
/// Far above the ids of people and of container sub-id ranges (100000-165535, by default).
pub const UID_BASE: u32 = 1_500_000_000;

/// The environment variable that tells the re-executed harness it is in the namespace, and
/// its [`grading_id`].
pub const INSIDE: &str = "CONFORMANCE_SANDBOXED";

/// Whether this process is the harness re-executed in its private network namespace.
pub fn inside() -> bool {
    std::env::var(INSIDE).is_ok_and(|v| v.parse::<u32>().is_ok())
}

/// A number no other grading running now has: the process id, outside the namespaces, of
/// the harness that entered them (inside, its own id is the same small number in every
/// grading).
pub fn grading_id() -> u32 {
    std::env::var(INSIDE)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(std::process::id)
}
