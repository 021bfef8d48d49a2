//! The command-line options that name the server under test and its wording, shared by every
//! subcommand that talks to a server.

use super::TargetSpec;

/// Which server, and how it words things: shared by the suite and `conformance load`.
#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// The server is already running at HOST:PORT. Without --target or --server-cmd, the
    /// built-in reference server is started on a free port and tested.
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "server_cmd")]
    pub target: Option<String>,
    /// Start the server with this shell command ({port} becomes a free port), and stop it
    /// at the end (its output is quoted if it never listens).
    #[arg(long, value_name = "CMD")]
    pub server_cmd: Option<String>,
    /// The server's wording: a built-in name (`reference`) or a TOML file.
    #[arg(long, default_value = "reference", value_name = "NAME|FILE")]
    pub profile: String,
}

impl ServerArgs {
    /// The target these options name; neither option: the workspace's reference server.
    pub fn spec(&self) -> TargetSpec {
        match (&self.target, &self.server_cmd) {
            (Some(address), _) => TargetSpec::Address(address.clone()),
            (None, Some(cmd)) => TargetSpec::Command(cmd.clone()),
            (None, None) => TargetSpec::Reference,
        }
    }
}
