//! Grader reports: every format from one run against a buggy server, each held to the
//! published field names (Gradescope's `results.json`, GitHub Classroom's grading reporter
//! result, TAP 14 through a strict reader), all agreeing on the failures and the points,
//! with the `[grading]` table's weights and visibility applied; and bad tables refused.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{conformance, path, root, seed_server, stdout};
use crate::tap_reader;

/// The seed server's profile with one test skipped by the teacher and a `[grading]` table.
fn graded_profile(dir: &Path) -> PathBuf {
    let seed = std::fs::read_to_string(path("fixtures/profiles/seed.toml")).unwrap();
    assert!(seed.contains("\nskip = []"), "the seed profile changed");
    let profile = seed.replace(
        "\nskip = []",
        "\nskip = [{ id = \"framing.crlf\", reason = \"not this term\" }]",
    ) + "\n[grading]\ntotal = 50\nvisibility = \"after_published\"\n\
         [grading.weights]\nleave = 3\n\"cleanup.churn\" = 5\n\
         [grading.test_visibility]\n\"cleanup.churn\" = \"hidden\"\nCLEAN-1 = \"after_due_date\"\n";
    let file = dir.join("graded.toml");
    std::fs::write(&file, profile).unwrap();
    file
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.005
}

fn read_json(file: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(file).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

#[test]
fn every_format_from_one_run_agrees_on_failures_and_points() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().to_path_buf();
    let profile = graded_profile(&dir);
    let file = |name: &str| dir.join(name);
    let report = |format: &str, name: &str| format!("{format}={}", file(name).display());
    let out = conformance()
        .args(["--server-cmd", &seed_server("--bug double-leave")])
        .arg("--profile")
        .arg(&profile)
        .args(["--seed", "1", "--report", "human"])
        .args(["--report", &report("json", "report.json")])
        .args(["--report", &report("junit", "report.xml")])
        .args(["--report", &report("tap", "report.tap")])
        .args(["--report", &report("markdown", "summary.md")])
        .args(["--report", &report("gradescope", "results.json")])
        .args(["--report", &report("classroom", "classroom.json")])
        .output()
        .unwrap();
    let human = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{human}");

    // JSON: the reference counts.
    let json = read_json(&file("report.json"));
    let failed = json["summary"]["failed"].as_u64().unwrap();
    let in_setup = json["summary"]["in_setup"].as_u64().unwrap_or(0);
    let points = json["score"]["points"].as_f64().unwrap();
    let max = json["score"]["max"].as_f64().unwrap();
    assert!(failed >= 3, "double-leave fails several tests: {json}");
    assert!(in_setup >= 1, "and some in their setup: {json}");
    assert!(close(max, 50.0), "{max}");
    let test_count = json["tests"].as_array().unwrap().len();
    let json_test = |id: &str| {
        json["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap_or_else(|| panic!("no {id}"))
    };
    assert_eq!(json_test("framing.crlf")["status"], "skip");
    assert_eq!(json_test("framing.crlf")["max_points"], 0.0);

    // Human.
    let last = human.lines().last().unwrap();
    assert!(last.contains(&format!(", {failed} failed")), "{last}");

    // JUnit.
    let junit = quick_junit::Report::deserialize_from_str(
        &std::fs::read_to_string(file("report.xml")).unwrap(),
    )
    .unwrap();
    assert_eq!((junit.failures + junit.errors) as u64, failed);

    // TAP, through the strict reader.
    let tap = tap_reader::read(&std::fs::read_to_string(file("report.tap")).unwrap()).unwrap();
    assert_eq!(tap.planned, test_count);
    let not_ok: Vec<_> = tap.points.iter().filter(|p| !p.ok).collect();
    assert_eq!(not_ok.len() as u64, failed);
    for point in &not_ok {
        for key in ["expected", "actual", "requirement", "outcome"] {
            let value = tap_reader::yaml_value(&point.yaml, key)
                .unwrap_or_else(|| panic!("{key} missing in {point:?}"))
                .unwrap();
            assert!(value.is_string(), "{key}: {value}");
        }
    }
    let setup_points = not_ok
        .iter()
        .filter(|p| {
            tap_reader::yaml_value(&p.yaml, "outcome") == Some(Ok("failed in setup".into()))
        })
        .count();
    assert_eq!(setup_points as u64, in_setup);
    let skipped = tap
        .points
        .iter()
        .find(|p| p.description.starts_with("framing.crlf "))
        .unwrap();
    assert_eq!(
        skipped.skip.as_deref(),
        Some("skipped by the profile: not this term")
    );
    let score_line = format!("score: {} / 50 points", json_points(points));
    assert!(tap.comments.contains(&score_line), "{:?}", tap.comments);

    // Markdown: under 1 MiB, failures first, transcripts folded, the same points.
    let markdown = std::fs::read_to_string(file("summary.md")).unwrap();
    assert!(markdown.len() < 1 << 20);
    assert!(markdown.starts_with("## Conformance: "), "{markdown}");
    assert!(
        markdown
            .lines()
            .next()
            .unwrap()
            .ends_with(&format!("· {}", score_line[7..].trim()))
    );
    assert!(markdown.contains(&format!(", {failed} failed")));
    let failures_at = markdown.find("### Failures").unwrap();
    assert!(failures_at < markdown.find("### Every test").unwrap());
    assert_eq!(markdown.matches("#### ✘ ").count() as u64, failed);
    assert!(markdown.contains("<details><summary>Transcript ("));

    // Gradescope: the documented fields, no others.
    let gradescope = read_json(&file("results.json"));
    assert_eq!(
        keys(&gradescope),
        BTreeSet::from(["score", "execution_time", "output", "visibility", "tests"])
    );
    assert!(close(gradescope["score"].as_f64().unwrap(), points));
    assert!(gradescope["execution_time"].is_u64());
    assert_eq!(gradescope["visibility"], "after_published");
    let tests = gradescope["tests"].as_array().unwrap();
    assert_eq!(
        tests.len(),
        test_count - 1,
        "the skipped test is out of the total"
    );
    let mut max_sum = 0.0;
    for t in tests {
        assert_eq!(
            keys(t),
            BTreeSet::from([
                "name",
                "number",
                "score",
                "max_score",
                "status",
                "output",
                "output_format",
                "visibility",
                "tags"
            ])
        );
        assert!(
            matches!(t["status"].as_str(), Some("passed" | "failed")),
            "{t}"
        );
        assert!(matches!(
            t["visibility"].as_str(),
            Some("hidden" | "after_due_date" | "after_published" | "visible")
        ));
        assert!(t["number"].as_str().unwrap().contains('.'));
        assert!(t["tags"].as_array().unwrap().iter().all(Value::is_string));
        max_sum += t["max_score"].as_f64().unwrap();
    }
    assert!(close(max_sum, 50.0), "{max_sum}");
    let gs = |id: &str| {
        tests
            .iter()
            .find(|t| t["name"].as_str().unwrap().starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no {id}"))
    };
    // Shares are rounded to hundredths: a weight of 3 is 3 unit shares within 0.04.
    let unit = gs("join.single")["max_score"].as_f64().unwrap();
    let weighs = |id: &str, weight: f64| {
        let share = gs(id)["max_score"].as_f64().unwrap();
        let near = (share - weight * unit).abs() < 0.01 * (weight + 1.0);
        assert!(near, "{id}: {share} is not {weight} × {unit}");
    };
    weighs("leave.quit", 3.0);
    weighs("cleanup.churn", 5.0);
    weighs("order.per_sender", 1.0);
    assert_eq!(gs("cleanup.churn")["visibility"], "hidden");
    assert_eq!(gs("cleanup.rejoin")["visibility"], "after_due_date");
    assert_eq!(gs("join.single")["visibility"], "after_published");
    assert_eq!(gs("leave.quit")["score"], 0.0);
    assert_eq!(
        tests.iter().filter(|t| t["status"] == "failed").count() as u64,
        failed
    );
    let setup_tagged = tests
        .iter()
        .filter(|t| {
            t["tags"]
                .as_array()
                .unwrap()
                .contains(&"failed in setup".into())
        })
        .count();
    assert_eq!(setup_tagged as u64, in_setup);
    assert!(
        gradescope["output"]
            .as_str()
            .unwrap()
            .contains("Not graded: framing.crlf")
    );

    // Classroom: the reporter's result object, version 1.
    let classroom = read_json(&file("classroom.json"));
    assert_eq!(
        keys(&classroom),
        BTreeSet::from(["version", "status", "max_score", "tests"])
    );
    assert_eq!(classroom["version"], 1);
    assert_eq!(classroom["status"], "error", "failures in setup are errors");
    assert!(close(classroom["max_score"].as_f64().unwrap(), 50.0));
    let tests = classroom["tests"].as_array().unwrap();
    let total: f64 = tests.iter().map(|t| t["score"].as_f64().unwrap()).sum();
    assert!(close(total, points), "{total} vs {points}");
    for t in tests {
        assert_eq!(
            keys(t),
            BTreeSet::from([
                "name",
                "status",
                "score",
                "message",
                "test_code",
                "duration"
            ])
        );
        assert!(t["duration"].is_u64());
    }
    let not_passed = tests.iter().filter(|t| t["status"] != "pass").count();
    let errors = tests.iter().filter(|t| t["status"] == "error").count();
    assert_eq!((not_passed as u64, errors as u64), (failed, in_setup));

    // The one-liner of the Classroom example hands it over base64-encoded, intact.
    let decoded = one_liner_output(&dir);
    assert_eq!(serde_json::from_str::<Value>(&decoded).unwrap(), classroom);
}

/// Points as the reports print them: `12.5`, `40`.
fn json_points(points: f64) -> String {
    let text = format!("{points:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Runs the `$GITHUB_OUTPUT` line of `examples/classroom/`'s workflow in `dir`, where the
/// suite wrote `classroom.json`, and decodes the `result=` it writes.
fn one_liner_output(dir: &Path) -> String {
    let workflow =
        std::fs::read_to_string(root().join("examples/classroom/.github/workflows/classroom.yml"))
            .unwrap();
    let line = workflow
        .lines()
        .find(|l| l.contains(">> \"$GITHUB_OUTPUT\""))
        .expect("the workflow has the one-liner")
        .trim();
    let output = dir.join("github_output");
    let status = std::process::Command::new("bash")
        .args(["-euc", line])
        .current_dir(dir)
        .env("GITHUB_OUTPUT", &output)
        .status()
        .unwrap();
    assert!(status.success(), "{line}");
    let written = std::fs::read_to_string(&output).unwrap();
    let encoded = written
        .trim_end()
        .strip_prefix("result=")
        .unwrap_or_else(|| panic!("{written}"));
    assert!(!encoded.contains('\n'), "one line");
    let decoded = std::process::Command::new("base64")
        .arg("-d")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(encoded.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(decoded.status.success());
    String::from_utf8(decoded.stdout).unwrap()
}

#[test]
fn a_bad_grading_table_or_report_is_exit_2_naming_it() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().to_path_buf();
    let grading = dir.join("grading.toml");
    for (table, wanted) in [
        (
            "[grading.weights]\njion = 2\n",
            "key `grading.weights.jion`: names no test",
        ),
        (
            "[grading]\nvisibility = \"secret\"\n",
            "key `grading.visibility`: `secret` is not one of",
        ),
        ("[grading]\ntotl = 1\n", "key `grading.totl`: unknown key"),
    ] {
        std::fs::write(&grading, table).unwrap();
        let out = conformance()
            .args(["--target", "127.0.0.1:9", "--grading"])
            .arg(&grading)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(wanted), "{table:?}: {stderr}");
    }
    for args in [
        vec!["--report", "xml"],
        vec!["--report", "json", "--report", "tap"],
        vec!["--report", "json=a", "--report", "tap=a"],
        vec!["--report", "json", "--format", "tap"],
    ] {
        let out = conformance()
            .args(["--target", "127.0.0.1:9"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn the_teacher_examples_are_valid() {
    // The Classroom example's grading table names real tests; the Gradescope scripts parse.
    for grading in [
        "examples/classroom/.github/classroom/grading.toml",
        "examples/gradescope/grading.toml",
    ] {
        let out = conformance()
            .args(["--list", "--grading", &path(grading)])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for script in [
        "examples/gradescope/setup.sh",
        "examples/gradescope/run_autograder",
    ] {
        let status = std::process::Command::new("bash")
            .args(["-n", &path(script)])
            .status()
            .unwrap();
        assert!(status.success(), "{script}");
    }
}
