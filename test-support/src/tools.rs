//! Tools a test may need from the machine, and the rule for when one is missing: a test
//! that needs it is skipped with the reason printed, except under `CI=true`, whose machines
//! must have it.

use std::process::Command;

/// Whether `program args…` runs and succeeds here.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|out| out.status.success())
}

/// `what` is missing: under `CI=true` that is a failure; elsewhere the reason is printed and
/// the caller skips what needs it.
fn missing(what: &str, how: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{what} is missing, and CI=true says it must be here ({how})"
    );
    println!("skipped: {what} is missing ({how})");
}

/// Whether the sandbox of `conformance class` can be set up here: root, and bubblewrap able
/// to make a private network (`.ci/run` installs it). Without it the caller grades with
/// `--no-sandbox` or skips its sandbox checks, after this has printed why; under `CI=true`
/// a missing sandbox panics instead.
pub fn sandbox_present() -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0");
    let present = root && runs("bwrap", &["--unshare-net", "--ro-bind", "/", "/", "true"]);
    if !present {
        missing(
            "the sandbox",
            "it needs root and bubblewrap: apt-get install bubblewrap, as .ci/run does",
        );
    }
    present
}

/// Whether `javac` runs here (Java 17 is on our machines and CI's). Without it the caller
/// skips its Java part, after this has printed why; under `CI=true` a missing `javac`
/// panics instead.
pub fn javac_present() -> bool {
    let present = runs("javac", &["-version"]);
    if !present {
        missing("javac", "install a JDK 17 to run the Java fixtures");
    }
    present
}
