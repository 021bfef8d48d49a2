//! Where things are: the workspace root, and the workspace's binaries (the reference server's
//! and client's).

use std::path::{Path, PathBuf};

/// The workspace root: where `Cargo.toml`, PROTOCOL.md and `fixtures/` are.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("test-support lives one level below the workspace root")
        .to_path_buf()
}

/// The `reference-server` binary of the running test's build, next to its `deps/` directory
/// (`target/<profile>/reference-server`).
///
/// A test in the `reference-server` package can pass `env!("CARGO_BIN_EXE_reference-server")`
/// instead; any other package's tests find it here.
///
/// # Panics
///
/// When the binary has not been built (see [`workspace_binary`]).
pub fn reference_server_binary() -> PathBuf {
    workspace_binary("reference-server")
}

/// The `reference-client` binary of the running test's build, as [`reference_server_binary`].
///
/// # Panics
///
/// When the binary has not been built (see [`workspace_binary`]).
pub fn reference_client_binary() -> PathBuf {
    workspace_binary("reference-client")
}

/// The binary `package` (named as its package) of the running test's build, next to its
/// `deps/` directory (`target/<profile>/<package>`).
///
/// # Panics
///
/// When the binary has not been built: `cargo test -p conformance` alone does not build
/// another package's binaries, so the message says how to build it.
pub fn workspace_binary(package: &str) -> PathBuf {
    let name = format!("{package}{}", std::env::consts::EXE_SUFFIX);
    let exe = std::env::current_exe().expect("the test binary's path");
    // Test binaries live in `target/<profile>/deps/`, binaries one level up.
    let searched: Vec<PathBuf> = exe
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join(&name))
        .collect();
    match searched.iter().find(|path| path.is_file()) {
        Some(found) => found.clone(),
        None => panic!(
            "{package} is not built (looked for {searched:?}): run \
             `cargo build -p {package}` first (`make test` builds it)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_holds_the_workspace_and_the_protocol() {
        let root = root();
        assert!(root.join("PROTOCOL.md").is_file(), "{root:?}");
        assert!(root.join("Cargo.toml").is_file(), "{root:?}");
    }
}
