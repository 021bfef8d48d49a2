//! `quit`: (being written)

use super::TestCase;

pub fn tests() -> Vec<TestCase> {
    vec![]
}
