//! `conformance sniff`: drafts a profile by watching the server. A few users with
//! distinctive names join, talk, try quit words and leave (`probe`); their names and texts
//! are found in what each received, which gives the templates (`infer`); the result is a
//! commented profile TOML (`draft`), checked by the core join, broadcast and leave tests
//! (`check`).
//!
//! Sniff learns wording, never excuses behaviour: where the server relaxes a requirement
//! (echo, its own join or leave line, no leave line, a re-prompted bad name) the draft keeps
//! the protocol's value, with an `# OBSERVED:` comment naming the key to change if the
//! assignment asks for that behaviour. Only the TOML goes to stdout; progress and the
//! verdict go to stderr. Exit 0: a usable draft; 1: the server's answers could not be
//! described (the reason is printed); 2: the target could not be reached or started.

mod check;
mod conn;
mod draft;
mod infer;
mod probe;

use std::path::PathBuf;
use std::time::Duration;

use crate::profile::Profile;
use crate::target::{Target, TargetSpec};
pub use check::QUICK_TESTS;
use conn::Waits;
pub use probe::{NAMES, QUIT_WORDS};
use probe::{Probe, Stop};

/// Longest the whole probing may take, however the server behaves (before scaling).
const PROBE_BOUND: Duration = Duration::from_secs(45);

/// The options of `sniff`.
#[derive(Debug, clap::Args)]
pub struct SniffArgs {
    /// The server is already running at HOST:PORT (the steps that can hurt it then run on
    /// the same server, last).
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "server_cmd")]
    pub target: Option<String>,
    /// Start the server with this shell command ({port} becomes a free port); it is
    /// restarted before the steps that can hurt it, and for the quick check.
    #[arg(long, value_name = "CMD")]
    pub server_cmd: Option<String>,
    /// Write the profile to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Do not run the quick check (core join, broadcast and leave tests) with the draft.
    #[arg(long)]
    pub no_check: bool,
    /// Multiply every wait (for slow machines or slow servers).
    #[arg(long, env = "CONFORMANCE_TIMEOUT_SCALE", default_value_t = 1.0, value_name = "FACTOR",
          value_parser = crate::cli::options::parse_scale)]
    pub timeout_scale: f64,
}

impl SniffArgs {
    fn spec(&self) -> TargetSpec {
        match (&self.target, &self.server_cmd) {
            (Some(address), _) => TargetSpec::Address(address.clone()),
            (None, Some(cmd)) => TargetSpec::Command(cmd.clone()),
            (None, None) => TargetSpec::Reference,
        }
    }

    fn waits(&self) -> Waits {
        Waits {
            first: Duration::from_millis(800).mul_f64(self.timeout_scale),
            quiet: Duration::from_millis(200).mul_f64(self.timeout_scale),
        }
    }

    fn startup(&self) -> Duration {
        Duration::from_secs(10).mul_f64(self.timeout_scale)
    }
}

/// Runs `conformance sniff`; returns the exit code.
pub async fn main(args: SniffArgs) -> i32 {
    let spec = args.spec();
    eprintln!("sniff: probing {}", label(&spec));
    let probed = tokio::time::timeout(
        PROBE_BOUND.mul_f64(args.timeout_scale),
        probe_all(&spec, &args),
    )
    .await
    .unwrap_or_else(|_| {
        Err(Stop::CannotTell(format!(
            "the probe took longer than {}s",
            PROBE_BOUND.as_secs()
        )))
    });
    let probe = match probed {
        Ok(probe) => probe,
        Err(Stop::Unreachable(why)) => {
            eprintln!("sniff: cannot reach the server: {why}");
            return 2;
        }
        Err(Stop::CannotTell(why)) => {
            eprintln!("sniff: could not draft a profile: {why}");
            return 1;
        }
    };
    let header = vec![
        format!(
            "Profile drafted by `conformance sniff` from {}.",
            label(&spec)
        ),
        "Read every comment: OBSERVED marks a behaviour the protocol forbids, kept at the".into(),
        "protocol's value; UNSURE marks wording the evidence left open.".into(),
    ];
    let text = probe.draft.to_toml(&header);
    let profile = match Profile::parse("draft", &text) {
        Ok(profile) => profile,
        Err(e) => {
            eprintln!("sniff: could not draft a usable profile: {e}");
            return 1;
        }
    };
    if let Err(e) = write_out(&args, &text) {
        eprintln!("sniff: {e}");
        return 2;
    }
    let unsure = probe.draft.keys_noted("UNSURE:");
    if !unsure.is_empty() {
        eprintln!("sniff: UNSURE about: {}", unsure.join(", "));
    }
    let observed = probe.draft.keys_noted("OBSERVED:");
    if !observed.is_empty() {
        eprintln!(
            "sniff: OBSERVED behaviour the protocol forbids, kept at the protocol's value (the \
             suite will fail it unless your assignment asks for it): {}",
            observed.join(", ")
        );
    }
    if args.no_check {
        return 0;
    }
    eprintln!(
        "sniff: quick check with the draft ({})",
        QUICK_TESTS.join(", ")
    );
    let checked = check::quick_check(&spec, profile, args.timeout_scale, &observed).await;
    for line in &checked.lines {
        eprintln!("{line}");
    }
    if checked.passed {
        eprintln!(
            "sniff: the draft is good enough to run the suite: read its comments, then run it"
        );
    } else {
        eprintln!(
            "sniff: the draft needs a look before the suite: check the keys named above \
             against what your server says (a failure may also be a bug of the server)"
        );
    }
    0
}

/// Probes the room, then (after a restart of a spawned server) the fragile steps. The draft
/// is made from the room: when the fragile steps cannot finish (the server broke, refused
/// or flooded), what they saw is a finding of the draft, never a reason to give it up.
async fn probe_all(spec: &TargetSpec, args: &SniffArgs) -> Result<Probe, Stop> {
    let start = |spec: &TargetSpec| {
        let spec = spec.clone();
        let startup = args.startup();
        async move {
            Target::start(&spec, startup)
                .await
                .map_err(|e| Stop::Unreachable(e.to_string()))
        }
    };
    let target = start(spec).await?;
    let mut probe = Probe::new(target.addr(), args.waits());
    let room = probe.room().await;
    target.stop().await;
    room?;
    let fragile = if matches!(spec, TargetSpec::Address(_)) {
        probe.fragile().await
    } else {
        match start(spec).await {
            Ok(target) => {
                probe.moved_to(target.addr());
                let fragile = probe.fragile().await;
                target.stop().await;
                fragile
            }
            Err(Stop::Unreachable(why) | Stop::CannotTell(why)) => Err(Stop::CannotTell(format!(
                "the server did not start a second time: {why}"
            ))),
        }
    };
    if let Err(Stop::Unreachable(why) | Stop::CannotTell(why)) = fragile {
        probe.fragile_stopped(&why);
    }
    probe.finish();
    Ok(probe)
}

fn label(spec: &TargetSpec) -> String {
    match spec {
        TargetSpec::Address(a) => a.clone(),
        TargetSpec::Command(c) => format!("`{c}`"),
        TargetSpec::Sandboxed { command, .. } => format!("`{command}` (sandboxed)"),
        TargetSpec::Reference => "the reference server".into(),
    }
}

fn write_out(args: &SniffArgs, text: &str) -> Result<(), String> {
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| format!("cannot write the profile: {e}"))
        }
    }
}
