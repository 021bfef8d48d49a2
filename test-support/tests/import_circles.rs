//! Arrows point down: no crate of the workspace has an import circle between its modules
//! (see `chat_test_support::imports` for what counts as an arrow).

use chat_test_support::imports::circles_in;
use chat_test_support::root;

#[test]
fn no_crate_has_an_import_circle() {
    let roots = [
        "protocol/src/lib.rs",
        "reference-server/src/lib.rs",
        "reference-server/src/main.rs",
        "reference-client/src/lib.rs",
        "reference-client/src/main.rs",
        "conformance/src/lib.rs",
        "conformance/src/main.rs",
        "bench/src/main.rs",
        "test-support/src/lib.rs",
    ];
    let mut report = String::new();
    for file in roots {
        let path = root().join(file);
        assert!(path.is_file(), "{file} is gone: update this list");
        for circle in circles_in(&path) {
            report.push_str(&circle.to_string());
        }
    }
    let root = root().display().to_string();
    assert!(
        report.is_empty(),
        "import circles (arrows should only point down):\n{}",
        report.replace(&format!("{root}/"), "")
    );
}
