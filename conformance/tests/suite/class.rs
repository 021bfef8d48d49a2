//! `conformance class`, `grade` and `merge` on the fixture class (`fixtures/class/`, 20
//! submissions: the seed with one catalogued bug each, a faithful one, Java built by
//! `--build-cmd`, one that does not compile, one that crashes at start, one that hangs
//! before listening, one that ignores `{port}`, two whose own profiles are refused). The
//! tests are filtered to the ones that tell those students apart, to keep the run short.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::support::{conformance, root};

/// The tests of the class runs: one or more that catch each student's bug.
const FILTERS: [&str; 9] = [
    "join.single",
    "join.non_ascii",
    "join.silent_client",
    "join.early_close",
    "broadcast.no_echo",
    "leave.quit",
    "leave.fin_idle",
    "quit.not_broadcast",
    "framing.several_lines",
];

/// The expected matrix, columns in run order: join.single, join.non_ascii_names,
/// broadcast.no_echo, leave.quit, leave.fin_idle, quit.not_broadcast, framing.several_lines,
/// join.silent_client, join.early_close. `.` passed, `F` failed, `S` failed in setup, `-`
/// not run, `?` passed or failed in setup (see [`row_matches`]); then the points of 100
/// (broadcast weighs 2).
const EXPECTED: &str = "
ascii-names       . F . . . . . . .  90
awards-own-points - - - - - - - - -   0
crash-at-start    - - - - - - - - -   0
double-leave      . . . F . ? . . .  80
echo              . . F F F . . F F  40
faithful          . . . . . . . . . 100
fin-loop          . . . . F . . . .  90
ghost             . S S S S S S S S  10
hangs             - - - - - - - - -   0
ignores-port      - - - - - - - - -   0
java              . . . . . . . . . 100
java-typo         - - - - - - - - -   0
leave-unnamed     . . . . . . . F F  80
name-in-accept    . . . . . . . F .  90
no-abrupt-leave   . . . . F . . . .  90
no-join           F S S S S S S S S   0
quit-as-chat      . . . F . F . . .  80
recv-as-message   . . . . . . F . .  90
self-join         F S S S S S S S S   0
skips-own-tests   - - - - - - - - -   0
";

/// Why each student that could not be tested could not, in words its report must contain.
const PROBLEMS: [(&str, &[&str]); 6] = [
    (
        "awards-own-points",
        &["conformance.toml was refused", "`[grading]` table"],
    ),
    (
        "crash-at-start",
        &["exited before accepting connections", "NameError"],
    ),
    ("hangs", &["did not accept connections on port"]),
    ("ignores-port", &["ignores {port}", "but listens on"]),
    ("java-typo", &["the build failed", "';' expected"]),
    (
        "skips-own-tests",
        &["conformance.toml was refused", "`skip` rules"],
    ),
];

/// The students of the smaller class the equivalence tests grade three times: none has a
/// `?` cell in [`EXPECTED`], so the three runs must agree exactly.
const SMALL_CLASS: [&str; 6] = [
    "faithful",
    "ascii-names",
    "java",
    "crash-at-start",
    "ignores-port",
    "awards-own-points",
];

pub(super) const SERVER_CMD: &str = "python3 {dir}/servidor.py --port {port}";
pub(super) const BUILD_CMD: &str = "if ls {dir}/*.java >/dev/null 2>&1; then javac -J-XX:TieredStopAtLevel=1 \
     -J-XX:+UseSerialGC -encoding UTF-8 -d {dir}/build {dir}/*.java; fi";

/// A scratch copy of the fixture class (only `students`, if given) beside a copy of the seed
/// server its launchers run: `ROOT/class/*`, `ROOT/servers/seed_server.py`.
/// Removed when the returned directory is dropped, whether the test passed or not.
pub(super) fn class_copy(students: Option<&[&str]>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path();
    let fixtures = root().join("fixtures");
    std::fs::create_dir_all(scratch.join("servers")).unwrap();
    std::fs::copy(
        fixtures.join("servers/seed_server.py"),
        scratch.join("servers/seed_server.py"),
    )
    .unwrap();
    for entry in std::fs::read_dir(fixtures.join("class")).unwrap() {
        let entry = entry.unwrap();
        let student = entry.file_name().to_string_lossy().into_owned();
        let chosen = students.is_none_or(|s| s.contains(&student.as_str()));
        if entry.path().is_dir() && chosen {
            let to = scratch.join("class").join(&student);
            std::fs::create_dir_all(&to).unwrap();
            for file in std::fs::read_dir(entry.path()).unwrap() {
                let file = file.unwrap().path();
                // Follows the Java submission's link to fixtures/wild/ChatServer.java.
                std::fs::copy(&file, to.join(file.file_name().unwrap())).unwrap();
            }
        }
    }
    dir
}

/// The options every grading of the class takes.
fn grade_options(out: &Path) -> Vec<String> {
    let mut args: Vec<String> = [
        "--server-cmd",
        SERVER_CMD,
        "--build-cmd",
        BUILD_CMD,
        "--profile",
        &root()
            .join("fixtures/class/teacher.toml")
            .display()
            .to_string(),
        "--out-dir",
        &out.display().to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    for f in FILTERS {
        args.extend(["--filter".to_owned(), f.to_owned()]);
    }
    args.extend(unconfined().map(str::to_owned));
    args
}

/// `--no-sandbox` where no sandbox can be set up (not root, no bubblewrap): the grading
/// itself is still tested, unconfined. CI=true requires the sandbox.
fn unconfined() -> Option<&'static str> {
    (!chat_test_support::sandbox_present()).then_some("--no-sandbox")
}

/// Runs `conformance class` on `scratch/class`; returns its exit code.
pub(super) fn class(scratch: &Path, out: &str, extra: &[&str]) -> Option<i32> {
    let out = scratch.join(out);
    let output = conformance()
        .arg("class")
        .arg(scratch.join("class"))
        .args(grade_options(&out))
        .args(extra)
        .timeout(Duration::from_secs(900))
        .output()
        .unwrap();
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    output.status.code()
}

/// The matrix of the reports in `out`: per submission, its marks and points.
pub(super) fn matrix(out: &Path) -> BTreeMap<String, (String, f64)> {
    let mut rows = BTreeMap::new();
    for entry in std::fs::read_dir(out).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let marks: Vec<&str> = report["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| match t["outcome"].as_str().unwrap() {
                "passed" => ".",
                "failed" => "F",
                "failed in setup" => "S",
                "not run" => "-",
                "intermittent" => "~",
                _ => "s",
            })
            .collect();
        let name = report["submission"]["name"].as_str().unwrap().to_owned();
        let points = report["score"]["points"].as_f64().unwrap();
        rows.insert(name, (marks.join(" "), points));
    }
    rows
}

/// The points of 100 each column of [`EXPECTED`] is worth (broadcast.no_echo weighs 2).
const COLUMN_POINTS: [f64; 9] = [10.0, 10.0, 20.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0];

/// Whether `actual` is the `expected` row. A `?` is a cell only timing decides, without the
/// sandbox or the grading having a say: double-leave's second leave line comes from the
/// quitter's `finally`, after its socket is closed, and reaches the next test's setup
/// (`S`) or comes too late for it (`.`). The row's points then rise by the cell's worth.
fn row_matches(expected: &(String, f64), actual: &(String, f64)) -> bool {
    let (marks, points) = expected;
    let cells: Vec<(&str, &str)> = marks.split(' ').zip(actual.0.split(' ')).collect();
    let marks_match = marks.split(' ').count() == actual.0.split(' ').count()
        && cells
            .iter()
            .all(|(e, a)| e == a || (*e == "?" && matches!(*a, "." | "S")));
    let raised: f64 = cells
        .iter()
        .zip(COLUMN_POINTS)
        .filter(|((e, a), _)| *e == "?" && *a == ".")
        .map(|(_, worth)| worth)
        .sum();
    marks_match && (actual.1 - (points + raised)).abs() < 0.01
}

fn expected() -> BTreeMap<String, (String, f64)> {
    EXPECTED
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (name, rest) = line.split_once(' ').unwrap();
            let rest = rest.trim();
            let (marks, points) = rest.rsplit_once(' ').unwrap();
            (
                name.to_owned(),
                (marks.trim().to_owned(), points.trim().parse().unwrap()),
            )
        })
        .collect()
}

/// A CSV without what differs from run to run: the free ports named in problems.
fn csv(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    regex::Regex::new(r"port \d+|on \d+")
        .unwrap()
        .replace_all(&text, "port N")
        .into_owned()
}

#[test]
fn the_fixture_class_is_graded_with_the_expected_matrix() {
    let dir = class_copy(None);
    let scratch = dir.path().to_path_buf();
    let started = std::time::Instant::now();
    assert_eq!(class(&scratch, "out", &["--jobs", "2"]), Some(0));
    eprintln!(
        "the class of 20 graded in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let out = scratch.join("out");
    let actual = matrix(&out);
    let expected = expected();
    let diff: Vec<String> = expected
        .iter()
        .filter(|(name, row)| actual.get(*name).is_none_or(|got| !row_matches(row, got)))
        .map(|(name, row)| format!("{name}: expected {row:?}, got {:?}", actual.get(name)))
        .collect();
    assert!(diff.is_empty(), "{}", diff.join("\n"));
    assert_eq!(actual.len(), expected.len());
    for (name, words) in PROBLEMS {
        let report: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        let problem = report["submission"]["problem"].as_str().unwrap_or_default();
        for word in words {
            assert!(problem.contains(word), "{name}: {problem}");
        }
    }
    // The class report: a row per submission, a column per test, the total.
    let csv = std::fs::read_to_string(out.join("grades.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 21, "{csv}");
    assert!(
        lines[0].starts_with("submission,join.single,"),
        "{}",
        lines[0]
    );
    assert!(lines[0].ends_with(",points,max,problem"), "{}", lines[0]);
    assert!(
        lines.iter().any(|l| l.starts_with("faithful,10,10,20,")),
        "{csv}"
    );
    let html = std::fs::read_to_string(out.join("class.html")).unwrap();
    assert_eq!(html.matches("<tr><th class=\"name\" data-v=").count(), 20);
    assert_eq!(html.matches("class=\"cell fail\"").count(), 17);
    for external in ["http://", "https://", " src=", " href="] {
        assert!(
            !html.contains(external),
            "the page must be self-contained: {external}"
        );
    }
}

#[test]
fn jobs_1_jobs_2_and_a_fan_out_with_merge_give_the_same_matrix() {
    let dir = class_copy(Some(&SMALL_CLASS));
    let scratch = dir.path().to_path_buf();
    assert_eq!(class(&scratch, "jobs1", &["--jobs", "1"]), Some(0));
    assert_eq!(class(&scratch, "jobs2", &["--jobs", "2"]), Some(0));
    // The fan-out a CI matrix or a cluster does: separate `grade` processes, then `merge`;
    // these without the sandbox, which `class` uses by default: Python and Java submissions
    // (and those that crash, ignore {port} or are refused) are graded the same either way.
    let exe = assert_cmd::cargo::cargo_bin("conformance");
    let out = scratch.join("fanout");
    let fan_out = format!(
        "ls -d {}/class/*/ | xargs -P 3 -I SUBMISSION {} grade SUBMISSION --no-sandbox {}",
        scratch.display(),
        exe.display(),
        grade_options(&out)
            .iter()
            .filter(|a| *a != "--no-sandbox")
            .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(&fan_out)
        .status()
        .unwrap();
    assert!(status.success(), "{fan_out}");
    conformance()
        .arg("merge")
        .arg(&out)
        .arg("--csv")
        .arg(out.join("grades.csv"))
        .arg("--html")
        .arg(out.join("class.html"))
        .assert()
        .success();
    let one = matrix(&scratch.join("jobs1"));
    assert_eq!(one.len(), SMALL_CLASS.len());
    assert_eq!(one, matrix(&scratch.join("jobs2")));
    assert_eq!(one, matrix(&out));
    let grades = csv(&scratch.join("jobs1/grades.csv"));
    assert_eq!(grades, csv(&scratch.join("jobs2/grades.csv")));
    assert_eq!(grades, csv(&out.join("grades.csv")));
}

#[test]
fn a_graded_submission_is_not_graded_again_unless_asked() {
    let dir = class_copy(Some(&["faithful", "awards-own-points"]));
    let scratch = dir.path().to_path_buf();
    assert_eq!(class(&scratch, "out", &[]), Some(0));
    let report = scratch.join("out/faithful.json");
    let first = std::fs::read_to_string(&report).unwrap();
    // Another submission arrives; the class is run again.
    std::fs::create_dir_all(scratch.join("class/late")).unwrap();
    std::fs::copy(
        scratch.join("class/faithful/servidor.py"),
        scratch.join("class/late/servidor.py"),
    )
    .unwrap();
    assert_eq!(class(&scratch, "out", &[]), Some(0));
    assert_eq!(std::fs::read_to_string(&report).unwrap(), first, "regraded");
    assert_eq!(matrix(&scratch.join("out")).len(), 3);
    assert_eq!(class(&scratch, "out", &["--regrade"]), Some(0));
    assert_ne!(
        std::fs::read_to_string(&report).unwrap(),
        first,
        "not regraded"
    );
}

#[test]
fn a_class_that_cannot_be_run_is_exit_2_and_says_why() {
    let dir = class_copy(Some(&["faithful"]));
    let scratch = dir.path().to_path_buf();
    let run = |class_dir: PathBuf, profile: &str| {
        conformance()
            .arg("class")
            .arg(class_dir)
            .args(["--server-cmd", SERVER_CMD, "--profile", profile])
            .arg("--out-dir")
            .arg(scratch.join("out"))
            .args(unconfined())
            .output()
            .unwrap()
    };
    let teacher = root()
        .join("fixtures/class/teacher.toml")
        .display()
        .to_string();
    let missing = run(scratch.join("nowhere"), &teacher);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read"));
    let bad_profile = scratch.join("bad.toml");
    std::fs::write(&bad_profile, "jion = \"x\"\n").unwrap();
    let bad = run(scratch.join("class"), &bad_profile.display().to_string());
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("jion"));
    let no_port = conformance()
        .args([
            "class",
            "fixtures/class",
            "--server-cmd",
            "python3 {dir}/servidor.py",
        ])
        .output()
        .unwrap();
    assert_eq!(no_port.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_port.stderr).contains("{port}"));
    let not_a_report = scratch.join("notes.json");
    std::fs::write(&not_a_report, "{\"hello\": 1}").unwrap();
    let merged = conformance()
        .arg("merge")
        .arg(&not_a_report)
        .arg("--csv")
        .arg(scratch.join("x.csv"))
        .output()
        .unwrap();
    assert_eq!(merged.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&merged.stderr).contains("not a conformance JSON report"));
}
