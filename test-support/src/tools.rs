//! Tools a test may need from the machine, and the rule for when one is missing: a test
//! that needs it is skipped with the reason printed, except under `CI=true`, whose machines
//! must have it.

/// Whether `javac` runs here (Java 17 is on our machines and CI's). Without it the caller
/// skips its Java part, after this has printed why; under `CI=true` a missing `javac`
/// panics instead.
pub fn javac_present() -> bool {
    let present = std::process::Command::new("javac")
        .arg("-version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !present {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "javac is missing, and CI=true says it must be here (Java 17)"
        );
        println!("skipped: javac not found (install a JDK 17 to run the Java fixtures)");
    }
    present
}
