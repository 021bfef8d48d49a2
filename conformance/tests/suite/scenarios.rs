//! Scenario files run against the reference server; each simulated user's transcript,
//! normalised to protocol events (`JOIN beto`, `CHAT ana hola`), is snapshotted — stable
//! across wordings, ports, timings and the random suffixes of user names.

use std::sync::Arc;
use std::time::Duration;

use conformance::profile::Profile;
use conformance::scenario::{self, Script};
use conformance::session::Session;
use conformance::target::{Target, TargetSpec};
use conformance::user::Timeouts;

use crate::support::{conformance as conformance_cmd, root, snapshot_filters};

/// Runs one script against a fresh reference server; returns the per-user events as text.
async fn run_script(script: Arc<Script>) -> String {
    let target = Target::start(&TargetSpec::Reference, Duration::from_secs(10))
        .await
        .expect("the reference server starts");
    let timeouts = Timeouts {
        expect: Duration::from_secs(5),
        connect: Duration::from_secs(5),
    };
    let session = Session::new(Arc::new(Profile::reference()), target.addr(), timeouts, 1);
    let transcript = session.shared.transcript.clone();
    let outcome = tokio::time::timeout(
        Duration::from_secs(30),
        scenario::execute(session, script.clone()),
    )
    .await
    .expect("the scenario finishes in time");
    target.stop().await;
    if let Err(verdict) = outcome {
        panic!(
            "{} failed: {verdict:?}\n{:#?}",
            script.id,
            transcript.lines()
        );
    }
    let mut text = String::new();
    for (user, events) in transcript.events_by_user() {
        text.push_str(&format!("{user}:\n"));
        for event in events {
            text.push_str(&format!("  {event}\n"));
        }
    }
    text
}

fn scenario_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(root().join("fixtures/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "chat"))
        .collect();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_transcripts_are_stable() {
    let mut scripts: Vec<Arc<Script>> = scenario::built_in().to_vec();
    for file in scenario_files() {
        scripts.push(Arc::new(
            Script::load(&file).expect("fixture scenarios parse"),
        ));
    }
    assert!(scripts.len() >= 5);
    let filters = snapshot_filters();
    for script in scripts {
        let events = run_script(script.clone()).await;
        insta::with_settings!({
            snapshot_suffix => script.id,
            description => format!("per-user events of scenario {}", script.id),
            omit_expression => true,
            filters => filters.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect::<Vec<_>>(),
        }, {
            insta::assert_snapshot!("events", events);
        });
    }
}

#[test]
fn every_fixture_scenario_passes_through_the_cli() {
    let mut cmd = conformance_cmd();
    cmd.args(["--level", "strict"]);
    for file in scenario_files() {
        cmd.arg("--scenario").arg(file);
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("{} tests", scenario_files().len())),
        "{text}"
    );
}
