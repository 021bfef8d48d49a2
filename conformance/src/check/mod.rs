//! Checkers: judge what a group of receivers got against what was sent, and say precisely
//! what went wrong (Maelstrom-style: lost, duplicated, echoed, reordered, unexpected).

mod delivery;

pub use delivery::{Delivery, Sent};
