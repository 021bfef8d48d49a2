//! The sandbox (`conformance/src/sandbox/`): the hostile students of `fixtures/sandbox/`
//! graded by `conformance class` beside two well-behaved ones (`faithful` in Python, `java`),
//! each contained and graded 0 with a problem that says what happened, while the
//! well-behaved ones get every point; the disk and the process table checked afterwards;
//! a grading killed at its bound taking its server with it; `run --sandbox`; a class under a
//! folder closed to other users; and `class` refusing when no sandbox can be set up.
//!
//! These tests need what the sandbox needs (Linux, root, bubblewrap: `.ci/run` installs
//! it); where it is missing they are skipped, saying so, except under `CI=true`.

use std::path::Path;
use std::time::{Duration, Instant};

use super::class::{BUILD_CMD, SERVER_CMD, class_copy, matrix};
use super::support::{conformance, root};

/// What each hostile student's problem must say, in the words its report quotes.
const CONTAINED: [(&str, &[&str]); 6] = [
    ("lists-interfaces", &["\"interfaces: lo\""]),
    (
        "writes-outside",
        &[
            "own-file.txt: written",
            "../written-by-writes-outside.txt: Permission denied",
            "../../written-by-writes-outside.txt: Read-only file system",
            "/tmp/written-by-writes-outside.txt: Read-only file system",
        ],
    ),
    (
        "reads-another",
        &[
            "another submission: No such file or directory",
            "class folder: reads-another;",
            "reports folder: empty",
        ],
    ),
    (
        "forks-without-end",
        &["BlockingIOError: [Errno 11] Resource temporarily unavailable"],
    ),
    ("allocates-without-end", &["MemoryError after"]),
    (
        "outlives-the-run",
        &["exit status: 0", "left a detached process behind"],
    ),
];

/// The tests of the hostile class: few, the well-behaved students are only there to be
/// graded as usual beside the others.
const FILTERS: [&str; 3] = ["join.single", "broadcast.no_echo", "leave.quit"];

/// How long a process the sandbox killed may take to leave the process table.
const REAPED_WITHIN: Duration = Duration::from_secs(10);

/// The fixture class's `faithful` and `java`, and every hostile student, in a scratch class.
fn hostile_class() -> tempfile::TempDir {
    let dir = class_copy(Some(&["faithful", "java"]));
    let scratch = dir.path();
    for (student, _) in CONTAINED {
        let to = scratch.join("class").join(student);
        std::fs::create_dir_all(&to).unwrap();
        let from = root().join("fixtures/sandbox").join(student);
        for file in std::fs::read_dir(from).unwrap() {
            let file = file.unwrap().path();
            std::fs::copy(&file, to.join(file.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// The processes whose command line holds `text`.
fn processes_with(text: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(text))
        })
        .collect()
}

/// Waits, at most [`REAPED_WITHIN`], until no process's command line holds `text`; the
/// ones still there (killed, so that a failing run leaves nothing behind).
fn left_running(text: &str) -> Vec<u32> {
    let deadline = Instant::now() + REAPED_WITHIN;
    loop {
        let found = processes_with(text);
        if found.is_empty() || Instant::now() >= deadline {
            for pid in &found {
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
            return found;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn problem(out: &Path, student: &str) -> String {
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join(format!("{student}.json"))).unwrap(),
    )
    .unwrap();
    report["submission"]["problem"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn hostile_submissions_are_contained_and_said_while_the_class_is_graded() {
    if !chat_test_support::sandbox_present() {
        return;
    }
    let dir = hostile_class();
    let scratch = dir.path();
    let escaped = [
        scratch.join("class/written-by-writes-outside.txt"),
        scratch.join("written-by-writes-outside.txt"),
        Path::new("/tmp/written-by-writes-outside.txt").to_owned(),
        scratch.join("class/writes-outside/own-file.txt"),
    ];
    let _ = std::fs::remove_file(&escaped[2]);
    let started = Instant::now();
    let mut command = conformance();
    command
        .arg("class")
        .arg(scratch.join("class"))
        .args([
            "--server-cmd",
            SERVER_CMD,
            "--build-cmd",
            BUILD_CMD,
            "--jobs",
            "2",
        ])
        .arg("--profile")
        .arg(root().join("fixtures/class/teacher.toml"))
        .arg("--out-dir")
        .arg(scratch.join("out"));
    for filter in FILTERS {
        command.args(["--filter", filter]);
    }
    let output = command.output().unwrap();
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    let code = output.status.code();
    eprintln!(
        "the hostile class graded in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        code,
        Some(0),
        "the class was not graded: if it says the sandbox cannot be set up, install \
         bubblewrap (as .ci/run does) and run as root"
    );
    let out = scratch.join("out");
    let rows = matrix(&out);
    let marks = |mark: &str| vec![mark; FILTERS.len()].join(" ");
    let (all_passed, none_run) = ((marks("."), 100.0), (marks("-"), 0.0));
    for student in ["faithful", "java"] {
        assert_eq!(rows.get(student), Some(&all_passed), "{student}");
    }
    for (student, words) in CONTAINED {
        assert_eq!(rows.get(student), Some(&none_run), "{student}");
        let problem = problem(&out, student);
        for word in words {
            assert!(problem.contains(word), "{student}: {problem}");
        }
    }
    for path in &escaped {
        assert!(!path.exists(), "{} was written", path.display());
    }
    let outlived = scratch.join("class/outlives-the-run/servidor.py");
    let left = left_running(&outlived.display().to_string());
    assert!(left.is_empty(), "processes outlived the run: {left:?}");
}

#[test]
fn run_sandbox_shows_the_server_loopback_only_and_tests_it_as_usual() {
    if !chat_test_support::sandbox_present() {
        return;
    }
    let lists = root().join("fixtures/sandbox/lists-interfaces/servidor.py");
    let command = SERVER_CMD.replace("{dir}/servidor.py", &lists.display().to_string());
    let output = conformance()
        .args(["--server-cmd", &command, "--sandbox"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("stderr: \"interfaces: lo\""), "{stderr}");
    let seed = root().join("fixtures/servers/seed_server.py");
    let output = conformance()
        .args([
            "--server-cmd",
            &format!("python3 {} --port {{port}}", seed.display()),
            "--profile",
            &root()
                .join("fixtures/class/teacher.toml")
                .display()
                .to_string(),
            "--filter",
            "join.single",
            "--filter",
            "broadcast.no_echo",
            "--sandbox",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("2 passed"), "{stdout}");
}

#[test]
fn class_refuses_without_a_sandbox_unless_told() {
    if !chat_test_support::sandbox_present() {
        return;
    }
    let output = conformance()
        .args(["class", "fixtures/class", "--server-cmd", SERVER_CMD])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    for words in [
        "the sandbox for untrusted servers cannot be set up",
        "`bwrap` could not be run",
        "give --no-sandbox",
    ] {
        assert!(stderr.contains(words), "{stderr}");
    }
}

#[test]
fn a_grading_ended_at_its_bound_leaves_no_process_behind() {
    if !chat_test_support::sandbox_present() {
        return;
    }
    let dir = class_copy(Some(&["hangs"]));
    let scratch = dir.path();
    // A compound command: its shell stays between the harness and the server, so only the
    // grading's pid namespace can end the server when the harness is killed.
    let output = conformance()
        .arg("class")
        .arg(scratch.join("class"))
        .args(["--server-cmd", &format!("true; {SERVER_CMD}")])
        .arg("--out-dir")
        .arg(scratch.join("out"))
        .args(["--submission-timeout", "2", "--filter", "join.single"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        problem(&scratch.join("out"), "hangs").contains("took over 2s and was ended"),
        "{stderr}"
    );
    let server = scratch.join("class/hangs/servidor.py");
    let left = left_running(&server.display().to_string());
    assert!(left.is_empty(), "processes outlived the grading: {left:?}");
}

/// A class under a folder closed to other users (`mkdtemp`'s `0700`, a home folder): the
/// jail's user cannot pass through it, so the jail shows an open, empty folder in its place
/// holding the submission alone. Before, every student failed to start with "Permission
/// denied" on its own `servidor.py`.
#[test]
fn a_class_under_a_folder_closed_to_others_is_graded() {
    use std::os::unix::fs::PermissionsExt;
    if !chat_test_support::sandbox_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let closed = dir.path().join("closed");
    let student = closed.join("class/solo");
    std::fs::create_dir_all(&student).unwrap();
    std::fs::copy(
        root().join("fixtures/servers/seed_server.py"),
        student.join("servidor.py"),
    )
    .unwrap();
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o700)).unwrap();
    let output = conformance()
        .arg("class")
        .arg(closed.join("class"))
        .args(["--server-cmd", SERVER_CMD, "--filter", "join.single"])
        .arg("--profile")
        .arg(root().join("fixtures/class/teacher.toml"))
        .arg("--out-dir")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        matrix(&dir.path().join("out")).get("solo"),
        Some(&(".".to_string(), 100.0)),
        "{stderr}"
    );
}
