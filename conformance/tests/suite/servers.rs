//! A whole run: the reference server passes strict. (The faithful Python fixtures passing
//! core, and every broken one failing, is proved by the `judgement` test.)

use crate::support::{conformance, stdout};

#[test]
fn the_reference_server_passes_strict() {
    let out = conformance().args(["--level", "strict"]).output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(" 0 failed, 0 skipped"), "{text}");
}
