//! The machine-readable formats, from real runs against the reference server.

use serde_json::Value;

use crate::support::{conformance, stdout};

#[test]
fn json_is_one_object_with_the_documented_schema() {
    let out = conformance()
        .args(["--format", "json", "--filter", "join.", "--seed", "42"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON object");
    assert!(report["target"].is_string());
    assert_eq!(report["profile"], "reference");
    assert_eq!(report["level"], "core");
    assert_eq!(report["seed"], 42);
    let tests = report["tests"].as_array().expect("tests is an array");
    assert!(tests.len() >= 6);
    assert_eq!(report["summary"]["passed"], tests.len());
    assert_eq!(report["summary"]["failed"], 0);
    assert_eq!(report["summary"]["skipped"], 0);
    for t in tests {
        assert!(t["id"].as_str().unwrap().starts_with("join."));
        assert_eq!(t["level"], "core");
        assert!(t["requirement"].as_str().unwrap().starts_with("JOIN-"));
        assert_eq!(t["status"], "pass");
        assert!(t["detail"].is_string());
        assert!(t["duration_ms"].is_u64());
    }
}

#[test]
fn junit_has_one_testcase_per_test_and_goes_to_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.xml");
    let out = conformance()
        .args(["--format", "junit", "--filter", "broadcast.", "--output"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "the report goes to the file only");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("passed, 0 failed"), "{stderr}");
    let xml = std::fs::read_to_string(&file).unwrap();
    let listed = conformance()
        .args(["--list", "--filter", "broadcast."])
        .output()
        .unwrap();
    // --list shows every level; the run was at core.
    let expected = stdout(&listed)
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some("core"))
        .count();
    assert_eq!(xml.matches("<testcase ").count(), expected, "{xml}");
    assert!(!xml.contains("<failure"), "{xml}");
}
