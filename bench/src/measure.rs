//! The measurements of `make bench`, each against one contestant server: fan-out and paced
//! load (through `conformance`'s load generator, the same code as `conformance load`), memory
//! per idle client, the stall bound (see `stall`), and the conformance suite's wall time.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use conformance::load::{Crowd, LoadConfig, LoadReport, Progress};
use conformance::profile::Profile;
use conformance::target::{Target, TargetSpec};

/// A server under comparison.
#[derive(Debug, Clone)]
pub struct Contestant {
    /// Short name for the table.
    pub name: &'static str,
    /// Shell command with `{port}`.
    pub command: String,
    pub profile: String,
}

/// Binaries of this workspace's release build (next to this executable).
pub fn release_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent().unwrap_or(Path::new(".")).join(name)
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

impl Contestant {
    fn profile(&self) -> Result<Profile, String> {
        Profile::load(&self.profile).map_err(|e| e.to_string())
    }

    async fn start(&self) -> Result<Target, String> {
        Target::start(
            &TargetSpec::Command(self.command.clone()),
            Duration::from_secs(10),
        )
        .await
        .map_err(|e| format!("{}: {e}", self.name))
    }

    /// One load run on a fresh server.
    pub async fn load(&self, config: &LoadConfig) -> Result<LoadReport, String> {
        let profile = self.profile()?;
        let target = self.start().await?;
        let progress = Progress::new(false);
        let crowd = Crowd::gather(target.addr(), &profile, config.clone(), &progress).await;
        let report = match crowd {
            Ok(crowd) => Ok(crowd
                .run(target.pid(), self.name, &profile.name, &progress)
                .await),
            Err(e) => Err(format!("{}: {e}", self.name)),
        };
        target.stop().await;
        report
    }

    /// Resident memory per idle connected client, in KiB: the server's RSS with `users`
    /// joined users, less its RSS before anyone connected, divided by `users`.
    pub async fn memory_per_client(&self, users: usize) -> Result<f64, String> {
        let profile = self.profile()?;
        let target = self.start().await?;
        let before = target.stats().ok_or("no /proc stats for the server")?;
        let config = LoadConfig {
            users,
            senders: 0,
            messages: 0,
            rate: None,
            idle: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(10),
        };
        let crowd = Crowd::gather(target.addr(), &profile, config, &Progress::new(false))
            .await
            .map_err(|e| format!("{}: {e}", self.name))?;
        let during = target.stats().ok_or("no /proc stats for the server")?;
        crowd.disperse().await;
        target.stop().await;
        Ok(during.rss_kib.saturating_sub(before.rss_kib) as f64 / users as f64)
    }
}

impl Contestant {
    /// The longest a reader waited for its next line during a flood beside a user who never
    /// reads ([`crate::stall::longest_gap`]), in seconds, on a fresh server.
    pub async fn stall_bound(&self) -> Result<f64, String> {
        let target = self.start().await?;
        let addr = target.addr();
        let gap = tokio::task::spawn_blocking(move || crate::stall::longest_gap(addr)).await;
        target.stop().await;
        match gap {
            Ok(Ok(gap)) => Ok(gap.as_secs_f64()),
            Ok(Err(e)) => Err(format!("{}: stall bound: {e}", self.name)),
            Err(e) => Err(format!("{}: stall bound: {e}", self.name)),
        }
    }
}

/// Wall time of `conformance --level LEVEL` against the reference server it starts itself;
/// fails if the suite does not pass.
pub fn suite_wall(level: &str) -> Result<Duration, String> {
    let started = Instant::now();
    let output = Command::new(release_binary("conformance"))
        .args(["--level", level])
        .current_dir(workspace())
        .output()
        .map_err(|e| format!("cannot run conformance: {e}"))?;
    let wall = started.elapsed();
    if !output.status.success() {
        let text = String::from_utf8_lossy(&output.stdout);
        let last = text.lines().last().unwrap_or_default().to_owned();
        return Err(format!(
            "the {level} suite failed against the reference: {last}"
        ));
    }
    Ok(wall)
}

/// Deliveries per second of `conformance load` run as a command, as a user would run it.
pub fn load_command_rate(args: &[String]) -> Result<f64, String> {
    let output = Command::new(release_binary("conformance"))
        .arg("load")
        .args(args)
        .args(["--format", "json"])
        .current_dir(workspace())
        .output()
        .map_err(|e| format!("cannot run conformance load: {e}"))?;
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("conformance load printed no JSON report: {e}"))?;
    report["deliveries_per_sec"]
        .as_f64()
        .ok_or_else(|| "no deliveries_per_sec in the report".to_owned())
}

/// The median of some numbers (0 when there are none).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
