//! Helpers shared by the suite's tests: paths, commands for the fixture servers, and the
//! `conformance` command with a bound on its run time.

use std::time::Duration;

use assert_cmd::Command;

pub use chat_test_support::root;

/// The one set of snapshot filters: what changes from run to run (the checkout's path,
/// timings, durations, the random tag of sentinel messages) replaced by placeholders.
pub fn snapshot_filters() -> Vec<(String, String)> {
    vec![
        (
            regex::escape(&root().display().to_string()),
            "[ROOT]".into(),
        ),
        (r" +\+\d+ms".into(), "  +[T]ms".into()),
        (r"\((\d+(\.\d+)?)(ms|s)\)".into(), "([DURATION])".into()),
        (r"sync-[a-z]{4}-".into(), "sync-[TAG]-".into()),
    ]
}

/// A path inside the workspace, as a string for command lines.
pub fn path(relative: &str) -> String {
    root().join(relative).display().to_string()
}

/// The `conformance` command, run from the workspace root, never running for long.
pub fn conformance() -> Command {
    let mut cmd = Command::cargo_bin("conformance").expect("the conformance binary is built");
    cmd.current_dir(root())
        .env_remove("CONFORMANCE_TIMEOUT_SCALE")
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(240));
    cmd
}

/// `--server-cmd` for the seed-style Python fixture server, with extra arguments.
pub fn seed_server(extra: &str) -> String {
    let script = path("fixtures/servers/seed_server.py");
    format!("python3 {script} --port {{port}} {extra}")
        .trim_end()
        .to_string()
}

/// The output of a finished command as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `--server-cmd` and `--profile` for the server from the wild `fixtures/wild/NAME.py`, with
/// extra arguments for the server.
pub fn wild_server(name: &str, extra: &str) -> [String; 4] {
    let script = path(&format!("fixtures/wild/{name}.py"));
    [
        "--server-cmd".to_owned(),
        format!("python3 {script} --port {{port}} {extra}")
            .trim_end()
            .to_owned(),
        "--profile".to_owned(),
        path(&format!("fixtures/wild/{name}.toml")),
    ]
}

/// The tests of a JSON report, in the order they ran.
pub fn tests(report: &serde_json::Value) -> &[serde_json::Value] {
    report["tests"].as_array().map_or(&[], Vec::as_slice)
}

/// The ids of the tests of a JSON report with `status`.
pub fn ids_with(report: &serde_json::Value, status: &str) -> Vec<String> {
    tests(report)
        .iter()
        .filter(|t| t["status"] == status)
        .map(|t| t["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The test `id` of a JSON report.
pub fn test<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    tests(report)
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no test {id} in {report}"))
}

/// Runs the suite on the server from the wild `name` (with `extra` server arguments) with
/// `args`, `--seed 1` and `--format json`; returns the exit code and the report.
pub fn json_run(name: &str, extra: &str, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let output = conformance()
        .args(wild_server(name, extra))
        .args(["--format", "json", "--seed", "1"])
        .args(args)
        .output()
        .expect("conformance runs");
    let text = stdout(&output);
    let report = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "{name}: not JSON ({e}): {text}{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code(), report)
}
