//! The server's settings: the command-line options of PROTOCOL.md §10, parsed by clap.
//!
//! The Python seed hard-codes `HOST = "127.0.0.1"` and `PORT = 8070` at the top of the file and
//! has no limits at all; every limit here exists to keep one misbehaving client from hurting the
//! others. The defaults come from `chat_protocol::limits`, the one place they are defined.

use std::time::Duration;

use chat_protocol::limits;
use clap::Parser;

/// Everything the server needs to know before it starts (PROTOCOL.md §10).
///
/// Parsed from the command line by [`clap`]; [`Config::default`] gives the reference defaults,
/// which is what tests and benches usually want.
#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(name = "reference-server", version)]
#[command(about = "Thread-based reference group-chat server (see PROTOCOL.md).")]
#[command(
    long_about = "Thread-based reference group-chat server (see PROTOCOL.md).\n\n\
    One thread per client reads its lines; one writer thread per client drains its bounded \
    outbound queue. Senders faster than their readers are slowed down; a client that takes \
    nothing for --stall-timeout while data waits for it is disconnected. A client whose name \
    arrives without a line end, followed by --unframed-after ms of silence, is served as the \
    seed's client is: one message per read. The first line on stdout is `listening on HOST:PORT`; logs go to stderr. \
    Ctrl-C or SIGTERM stops the server."
)]
pub struct Config {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,

    /// Port to bind; 0 picks a free port (the real one is printed on stdout).
    #[arg(long, default_value_t = limits::DEFAULT_PORT)]
    pub port: u16,

    /// Connections held at once, named or not; more are refused with `ERROR: servidor lleno …`
    /// (LIMIT-1).
    #[arg(long, default_value_t = limits::DEFAULT_MAX_CLIENTS, value_parser = at_least_one)]
    pub max_clients: usize,

    /// Longest accepted line, in bytes, without its `\n`; longer lines are not sent (INPUT-5).
    #[arg(long, default_value_t = limits::DEFAULT_MAX_LINE, value_parser = at_least_one)]
    pub max_line: usize,

    /// Longest accepted name, in characters (INPUT-3).
    #[arg(long, default_value_t = limits::DEFAULT_MAX_NAME, value_parser = at_least_one)]
    pub max_name: usize,

    /// Seconds a new connection has to send its name (LIMIT-2).
    #[arg(long = "name-timeout", value_name = "SECS",
          default_value_t = limits::DEFAULT_NAME_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub name_timeout_secs: u64,

    /// Most bytes waiting to be written to one client: a memory bound, reached only by a
    /// client that stopped reading, which is disconnected as too slow (SLOW-1). Senders wait
    /// while a client has more than half of it waiting, until a quarter is left (SLOW-2).
    #[arg(long, default_value_t = limits::DEFAULT_MAX_QUEUE, value_parser = at_least_one)]
    pub max_queue: usize,

    /// Seconds a client may take no data at all while data waits for it; then it is
    /// disconnected as stalled, its leave announced. The longest one client that stopped
    /// reading can hold the others back (SLOW-1, SLOW-2).
    #[arg(long = "stall-timeout", value_name = "SECS",
          default_value_t = limits::DEFAULT_STALL_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub stall_timeout_secs: u64,

    /// Milliseconds of silence after a name that arrived without its `\n` before the client
    /// is taken to be unframed, as the seed's client is: from then on each read is one
    /// message (FRAME-5). 0 turns the detection off: the name must then end in `\n`.
    #[arg(long = "unframed-after", value_name = "MS",
          default_value_t = limits::DEFAULT_UNFRAMED_AFTER_MS,
          value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub unframed_after_ms: u64,
}

impl Config {
    /// The name timeout as a [`Duration`].
    pub fn name_timeout(&self) -> Duration {
        Duration::from_secs(self.name_timeout_secs)
    }

    /// The stall timeout as a [`Duration`].
    pub fn stall_timeout(&self) -> Duration {
        Duration::from_secs(self.stall_timeout_secs)
    }

    /// The quiet time that marks a client as unframed, or `None` when the detection is off
    /// (`--unframed-after 0`).
    pub fn unframed_after(&self) -> Option<Duration> {
        (self.unframed_after_ms > 0).then(|| Duration::from_millis(self.unframed_after_ms))
    }
}

impl Default for Config {
    /// The reference defaults of PROTOCOL.md §10.
    fn default() -> Self {
        Config {
            host: "127.0.0.1".to_owned(),
            port: limits::DEFAULT_PORT,
            max_clients: limits::DEFAULT_MAX_CLIENTS,
            max_line: limits::DEFAULT_MAX_LINE,
            max_name: limits::DEFAULT_MAX_NAME,
            name_timeout_secs: limits::DEFAULT_NAME_TIMEOUT_SECS,
            max_queue: limits::DEFAULT_MAX_QUEUE,
            stall_timeout_secs: limits::DEFAULT_STALL_TIMEOUT_SECS,
            unframed_after_ms: limits::DEFAULT_UNFRAMED_AFTER_MS,
        }
    }
}

/// clap value parser for the limits: a whole number, 1 or more (0 would make the server
/// useless, so it is a usage error, exit status 2).
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_arguments_give_the_reference_defaults() {
        assert_eq!(Config::parse_from(["reference-server"]), Config::default());
    }

    #[test]
    fn zero_limits_are_usage_errors() {
        for opt in [
            "--max-clients",
            "--max-line",
            "--max-name",
            "--max-queue",
            "--name-timeout",
            "--stall-timeout",
        ] {
            let err = Config::try_parse_from(["reference-server", opt, "0"]).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{opt} 0");
        }
    }

    #[test]
    fn unframed_after_zero_turns_the_detection_off() {
        let off = Config::parse_from(["reference-server", "--unframed-after", "0"]);
        assert_eq!(off.unframed_after(), None);
        let on = Config::default().unframed_after();
        assert_eq!(on, Some(Duration::from_millis(300)));
        let err =
            Config::try_parse_from(["reference-server", "--unframed-after", "60001"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Config::command().debug_assert();
    }
}
