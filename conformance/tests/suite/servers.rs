//! Whole runs: the reference server passes strict, and servers we did not design — the
//! faithful Python fixtures, line- and chunk-framed — pass core with their profiles.

use crate::support::{conformance, path, require_reference_server, seed_server, stdout};

#[test]
fn the_reference_server_passes_strict() {
    require_reference_server();
    let out = conformance().args(["--level", "strict"]).output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(" 0 failed, 0 skipped"), "{text}");
}

#[test]
fn the_faithful_python_server_passes_core() {
    let out = conformance()
        .args(["--server-cmd", &seed_server("")])
        .args(["--profile", &path("fixtures/profiles/seed.toml")])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(" 0 failed, 0 skipped"), "{text}");
}

#[test]
fn the_chunk_framed_python_server_passes_core() {
    let out = conformance()
        .args(["--server-cmd", &seed_server("--framing chunk")])
        .args(["--profile", &path("fixtures/profiles/seed-chunk.toml")])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    // Line-framing tests do not apply to a chunk-framed server, and say so.
    assert!(text.contains(" 0 failed, "), "{text}");
    assert!(text.contains("SKIP  framing.crlf"), "{text}");
}
