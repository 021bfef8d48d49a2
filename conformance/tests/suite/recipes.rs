//! The recipes for grading beyond one machine (`examples/class/`): a GitHub Actions workflow
//! (a matrix of batches, then a merge job) and a Kubernetes Indexed Job (then a merge Job).
//! Each file is read by a YAML parser and held to its engine's rules that matter here; the
//! shell that deals submissions to jobs is run on a class of 450 folders, with a stand-in
//! for `conformance`, to prove every submission is graded exactly once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

use super::support::root;

/// GitHub Actions: at most this many jobs in one matrix.
const GITHUB_MATRIX_LIMIT: i64 = 256;

fn load(relative: &str) -> Vec<Yaml> {
    let text = std::fs::read_to_string(root().join(relative)).unwrap();
    YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn text<'a>(yaml: &'a Yaml, what: &str) -> &'a str {
    yaml.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {yaml:?}"))
}

/// A scratch folder with `count` submission folders under `submissions/`, removed when
/// dropped.
fn class_of(count: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..count {
        let student = dir.path().join(format!("submissions/student-{i:03}"));
        std::fs::create_dir_all(student).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("submissions/.git")).unwrap();
    dir
}

/// Runs `script` with `sh` in `dir`, with `env`; returns its stdout.
fn sh(dir: &Path, script: &str, env: &[(&str, String)]) -> String {
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{script}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A stand-in `conformance` that records the submission each `grade` was given.
fn stand_in(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let exe = bin.join("conformance");
    std::fs::write(&exe, "#!/bin/sh\necho \"$1 $2\"\n").unwrap();
    sh(dir, "chmod +x bin/conformance", &[]);
    exe
}

#[test]
fn the_github_workflow_grades_every_submission_once_in_at_most_256_jobs() {
    let doc = &load("examples/class/github-actions/grade-class.yml")[0];
    let jobs = &doc["jobs"];
    for job in ["plan", "build", "grade", "merge"] {
        assert!(!jobs[job].is_badvalue(), "no job `{job}`");
    }
    let max: i64 = doc["env"]["MAX_BATCHES"].as_i64().unwrap();
    assert!(
        max <= GITHUB_MATRIX_LIMIT,
        "MAX_BATCHES {max} > {GITHUB_MATRIX_LIMIT}"
    );
    assert_eq!(
        text(&jobs["grade"]["strategy"]["matrix"]["batch"], "the matrix"),
        "${{ fromJSON(needs.plan.outputs.batches) }}"
    );
    assert_eq!(text(&jobs["merge"]["needs"], "merge.needs"), "grade");
    let steps = |job: &str| jobs[job]["steps"].as_vec().unwrap().clone();
    let run_of = |job: &str, name: &str| {
        steps(job)
            .iter()
            .find(|s| s["name"].as_str() == Some(name))
            .map(|s| text(&s["run"], name).to_owned())
            .unwrap_or_else(|| panic!("no step `{name}` in {job}"))
    };
    let merge = run_of("merge", "Build the class report");
    assert!(merge.contains("conformance merge reports --html class.html --csv grades.csv"));
    // The plan, for a class of 450: 200 batches.
    let scratch = class_of(450);
    let class = scratch.path().to_path_buf();
    let output = class.join("github-output");
    let plan = run_of("plan", "Deal the submissions into batches");
    let env = [
        ("MAX_BATCHES", max.to_string()),
        ("GITHUB_OUTPUT", output.display().to_string()),
    ];
    sh(&class, &plan, &env);
    let written = std::fs::read_to_string(&output).unwrap();
    let batches: Vec<i64> =
        serde_json::from_str(written.trim().strip_prefix("batches=").unwrap()).unwrap();
    assert_eq!(batches, (0..max).collect::<Vec<_>>());
    // Each batch's job, with a stand-in for the suite: every submission exactly once.
    stand_in(&class);
    std::fs::create_dir_all(class.join("suite")).unwrap();
    std::fs::copy(
        class.join("bin/conformance"),
        class.join("suite/conformance"),
    )
    .unwrap();
    let grade = run_of("grade", "Grade this batch's submissions");
    // A stand-in sudo, which runs its command as is.
    std::fs::write(class.join("bin/sudo"), "#!/bin/sh\nexec \"$@\"\n").unwrap();
    sh(&class, "chmod +x bin/sudo", &[]);
    let path = format!(
        "{}:{}",
        class.join("bin").display(),
        std::env::var("PATH").unwrap()
    );
    let mut graded: BTreeMap<String, usize> = BTreeMap::new();
    for batch in &batches {
        let env = [
            ("BATCH", batch.to_string()),
            ("BATCHES", batches.len().to_string()),
            ("LEVEL", "core".to_owned()),
            ("SERVER_CMD", "x".to_owned()),
            ("BUILD_CMD", "y".to_owned()),
            ("PATH", path.clone()),
        ];
        for line in sh(&class, &grade, &env).lines() {
            assert!(line.starts_with("grade submissions/student-"), "{line}");
            *graded.entry(line.to_owned()).or_default() += 1;
        }
    }
    assert_eq!(graded.len(), 450);
    assert!(graded.values().all(|&n| n == 1));
}

#[test]
fn the_kubernetes_indexed_job_grades_submission_i_in_pod_i_then_merges() {
    let docs = load("examples/class/kubernetes/grade-class.yaml");
    let job = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("Job"))
        .expect("an Indexed Job");
    assert_eq!(job["apiVersion"].as_str(), Some("batch/v1"));
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    assert!(spec["completions"].as_i64().unwrap() >= spec["parallelism"].as_i64().unwrap());
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"].as_str(), Some("Never"));
    let container = &pod["containers"][0];
    let command = container["command"].as_vec().unwrap();
    assert_eq!(command[0].as_str(), Some("/bin/sh"));
    let script = text(&command[2], "the script");
    assert!(script.contains("JOB_COMPLETION_INDEX"));
    let claim = text(
        &pod["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "the claim",
    );
    assert!(
        docs.iter()
            .any(|d| d["kind"].as_str() == Some("PersistentVolumeClaim")
                && d["metadata"]["name"].as_str() == Some(claim))
    );
    // Pod i grades the i-th submission in name order, with a stand-in for the suite; an
    // index past the end grades nothing.
    let scratch = class_of(12);
    let class = scratch.path().to_path_buf();
    stand_in(&class);
    let script = script.replace("/class/", &format!("{}/", class.display()));
    let path = format!(
        "{}:{}",
        class.join("bin").display(),
        std::env::var("PATH").unwrap()
    );
    let mut graded = Vec::new();
    for index in 0..13 {
        let env = [
            ("JOB_COMPLETION_INDEX", index.to_string()),
            ("PATH", path.clone()),
        ];
        graded.push(sh(&class, &script, &env).trim().to_owned());
    }
    for (i, line) in graded[..12].iter().enumerate() {
        assert!(
            line.ends_with(&format!("submissions/student-{i:03}")),
            "{line}"
        );
        assert!(line.starts_with("grade "), "{line}");
    }
    assert_eq!(graded[12], "no submission number 12");
    let merge = &load("examples/class/kubernetes/merge-class.yaml")[0];
    let merge_command: Vec<&str> = merge["spec"]["template"]["spec"]["containers"][0]["command"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(
        merge_command[..3],
        ["conformance", "merge", "/class/reports"]
    );
}
