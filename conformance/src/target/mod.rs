//! The server under test: an address that is already listening, a command to spawn, or the
//! workspace's reference server.
//!
//! A spawned server is watched for the whole run: [`Target::has_exited`] tells the runner the
//! server crashed (with its exit status and last stderr lines) so it can say so instead of
//! reporting a hundred unrelated failures, and [`Target::stats`] reads its threads, open file
//! descriptors and memory ([`crate::procfs`]) for the cleanup checks (CLEAN-4). A spawned
//! server never outlives the `Target`: it runs in a process group of its own (a Job object on
//! Windows), [`Target::stop`] ends the group politely (SIGTERM, then SIGKILL), and dropping
//! the `Target` kills it.
//!
//! Commands run through `sh -c "exec <command>"` (Windows: `cmd /C <command>`), so on Unix
//! the process we watch is the server itself, not a shell. A compound command (`cd server &&
//! java ChatServer {port}`) runs without `exec`; its stats are then those of the single
//! process the shell runs.
//!
//! No connection is ever opened here: a server that reads the name in its accept loop dies of
//! a client that connects and closes at once. Every wait is bounded, and the only polling
//! (every 25 ms while a spawned server starts) waits for an observable event: its listening
//! socket appearing in `/proc/net/tcp{,6}`. Off Linux that cannot be seen, and
//! [`Target::skipped_checks`] says so.

mod args;
mod interrupt;
mod output;
mod process;
mod reference;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use crate::procfs::ProcessStats;
use crate::procfs::{Listening, NO_SOCKET_TABLE, listening_on, listening_ports_of, owns_socket};
use crate::sync::lock as sync_lock;
pub use args::ServerArgs;
pub use output::OutputMark;
use process::{Process, shell_command};
use reference::start_reference;
pub use reference::{SERVE_REFERENCE, this_executable_serves_the_reference};

/// Longest wait for an address target's host name to resolve.
const ADDRESS_RESOLVE_BOUND: Duration = Duration::from_secs(5);
/// How often a starting server's listening socket is looked for.
const POLL_INTERVAL: Duration = Duration::from_millis(25);
/// Output lines quoted in one-line error messages.
const ERROR_STDERR_LINES: usize = 3;
/// Stderr lines quoted by [`Target::has_exited`].
const CRASH_STDERR_LINES: usize = 10;

/// Which server to test, as the command line gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    /// A server that is already listening, `HOST:PORT`.
    Address(String),
    /// A shell command that starts the server; every `{port}` is replaced by a free port.
    Command(String),
    /// A shell command started through a launcher that confines it (the sandbox, see
    /// [`crate::sandbox`]): `command` as given, for reports and messages, and `launch`, the
    /// command spawned, with the same `{port}`.
    Sandboxed {
        /// The command as given.
        command: String,
        /// The command that runs it confined.
        launch: String,
    },
    /// The workspace's reference server, run by this executable in its hidden
    /// `serve-reference` mode (see [`SERVE_REFERENCE`]).
    Reference,
}

/// Why the server under test could not be used. Every message is one line.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The address is not `HOST:PORT`.
    #[error(
        "invalid target address `{address}`: {reason} (expected HOST:PORT, e.g. 127.0.0.1:8070)"
    )]
    BadAddress {
        /// The address as given on the command line.
        address: String,
        /// What is wrong with it: `no :PORT`, `no HOST`, a port that is not a number or is 0.
        reason: String,
    },
    /// Nothing accepted a connection at the address.
    #[error("cannot connect to {address}: {reason}")]
    Unreachable {
        /// The address as given on the command line.
        address: String,
        /// Why: the resolver's or the last connect attempt's error (`Connection refused`),
        /// or that nothing answered within the bound.
        reason: String,
    },
    /// The command does not say where the port goes.
    #[error(
        "the server command `{command}` has no {{port}} placeholder: write {{port}} where the \
         port goes, e.g. `java ChatServer {{port}}`"
    )]
    NoPortPlaceholder {
        /// The command as given on the command line.
        command: String,
    },
    /// No free local port could be found.
    #[error("cannot find a free local port: {0}")]
    NoFreePort(String),
    /// The command could not be started at all.
    #[error("cannot start `{command}`: {reason}")]
    Spawn {
        /// The command as given (with its `{port}` placeholder), or the command that runs the
        /// reference server (`…/conformance serve-reference`).
        command: String,
        /// The operating system's error, e.g. `No such file or directory (os error 2)`.
        reason: String,
    },
    /// The server exited before it accepted a connection.
    #[error("`{command}` exited before accepting connections ({status}){}", quote_stderr(.stderr))]
    Exited {
        /// The command as given (with its `{port}` placeholder), or the command that runs the
        /// reference server (`…/conformance serve-reference`).
        command: String,
        /// `exit status: 1`, `signal: 9 (SIGKILL)`.
        status: String,
        /// The last lines it wrote to stderr.
        stderr: Vec<String>,
    },
    /// The server did not accept a connection in time.
    /// Its own output is quoted: a server that says where it listens (`serving on
    /// 0.0.0.0:9002`) shows at once that it ignored the port it was given.
    #[error(
        "`{command}` did not accept connections on port {port} within {:.1}s{}",
        .waited.as_secs_f64(),
        quote_output("; it printed", .output)
    )]
    StartTimeout {
        /// The command as given, with its `{port}` placeholder.
        command: String,
        /// The free port that replaced `{port}`, where nothing was accepting.
        port: u16,
        /// How long the suite waited: the startup bound it was given (10 s ×
        /// `--timeout-scale` from the command line), or a little over it.
        waited: Duration,
        /// The last lines it printed, stdout and stderr in the order they were read.
        output: Vec<String>,
    },
    /// The server listens, but not on the port it was given: it ignores `{port}` (a port
    /// written into its code).
    #[error(
        "`{command}` ignores {{port}}: it was given port {port} but listens on {}",
        .listening.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
    )]
    WrongPort {
        /// The command as given, with its `{port}` placeholder.
        command: String,
        /// The free port that replaced `{port}`.
        port: u16,
        /// The ports its process tree listens on instead.
        listening: Vec<u16>,
    },
    /// A program that embeds the harness found no `conformance` binary to run the
    /// reference server with.
    #[error(
        "the conformance binary, which runs the reference server, was not found (looked for \
         {}); build it with `cargo build -p conformance`",
        .searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    ReferenceNotFound {
        /// Every path where the binary was looked for: next to this executable and in its
        /// parent directory.
        searched: Vec<PathBuf>,
    },
    /// The reference server did not print `listening on HOST:PORT` first.
    #[error("the reference server did not announce its address: {reason}")]
    ReferenceNoAddress {
        /// What came instead: nothing on stdout within the startup bound, a read error, or
        /// a first line that is not `listening on HOST:PORT` (quoted).
        reason: String,
    },
}

/// `; stderr: "a" | "b"` with the last few lines, or nothing.
fn quote_stderr(stderr: &[String]) -> String {
    quote_output("; stderr:", stderr)
}

/// The last non-blank lines of a server's output after `label`, each quoted, on one line;
/// nothing when it printed nothing.
fn quote_output(label: &str, output: &[String]) -> String {
    let lines: Vec<&String> = output.iter().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = lines[lines.len().saturating_sub(ERROR_STDERR_LINES)..]
        .iter()
        .map(|l| format!("{:?}", l.trim_end()))
        .collect();
    format!("{label} {}", quoted.join(" | "))
}

/// The server under test, ready to accept connections.
#[derive(Debug)]
pub struct Target {
    addr: SocketAddr,
    label: String,
    process: Option<Process>,
    /// Whether the server has been seen listening (its socket in `/proc/net`, or the
    /// reference server's announcement) before any test ran.
    seen_listening: bool,
    /// Checks of the target that could not be made here, each with its reason.
    skipped: Vec<String>,
}

impl Target {
    /// Makes the server of `spec` ready, without ever connecting to it: resolves the
    /// address, or spawns the command (or the reference server) and waits, at most
    /// `startup`, until it listens. Before the first test the harness opens no connection
    /// that is not a test user's.
    ///
    /// # Errors
    ///
    /// A [`TargetError`] whose message is one line, fit to print as is.
    pub async fn start(spec: &TargetSpec, startup: Duration) -> Result<Target, TargetError> {
        match spec {
            TargetSpec::Address(address) => start_address(address, startup).await,
            TargetSpec::Command(command) => start_command(command, command, startup).await,
            TargetSpec::Sandboxed { command, launch } => {
                start_command(command, launch, startup).await
            }
            TargetSpec::Reference => start_reference(startup).await,
        }
    }

    /// Where the server accepts connections.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether the server was seen listening before any test: `false` for an address
    /// target (the first test user's connect decides whether it is reachable) and for a
    /// spawned server where `/proc/net` cannot be read (the first user's connect retries
    /// until it accepts, within the startup bound).
    pub fn seen_listening(&self) -> bool {
        self.seen_listening
    }

    /// What reports show as the target: the address, the command as given, or
    /// `reference-server (HOST:PORT)`.
    pub fn label(&self) -> String {
        self.label.clone()
    }

    /// The checks of the target that could not be made on this system, each a sentence
    /// with its reason (off Linux: whether a spawned server listens on its own socket).
    pub fn skipped_checks(&self) -> &[String] {
        &self.skipped
    }

    /// The spawned server's process id (for a compound shell command, the process the shell
    /// runs), or `None` for an address target.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(Process::server_pid)
    }

    /// `Some(description)` once a spawned server has exited: its exit status and the last
    /// lines of its stderr, several lines of text. `None` while it runs, and always for an
    /// address target.
    pub fn has_exited(&mut self) -> Option<String> {
        let process = self.process.as_mut()?;
        let status = process.exit_status()?;
        let mut description = format!("the server `{}` exited ({status})", process.command);
        let stderr = process.stderr_tail();
        let stderr: Vec<&String> = stderr.iter().filter(|l| !l.trim().is_empty()).collect();
        if stderr.is_empty() {
            description.push_str("; it wrote nothing to stderr");
        } else {
            description.push_str("; the last lines of its stderr:");
            for line in &stderr[stderr.len().saturating_sub(CRASH_STDERR_LINES)..] {
                description.push_str("\n  ");
                description.push_str(line);
            }
        }
        Some(description)
    }

    /// Like [`has_exited`](Self::has_exited), but gives a spawned server up to `wait` to
    /// finish exiting: a server that crashes closes its sockets a moment before its exit
    /// status can be read, and the crash belongs to the test that saw the sockets close.
    pub async fn exited_within(&mut self, wait: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(exit) = self.has_exited() {
                return Some(exit);
            }
            if self.process.is_none() || tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Where a spawned server's output is now (`None` for an address target): give it to
    /// [`printed_since`](Self::printed_since) at the end of a test.
    pub fn output_mark(&self) -> Option<OutputMark> {
        Some(sync_lock(&self.process.as_ref()?.output).mark())
    }

    /// A note quoting what the spawned server printed (stdout and stderr) since `mark`, at
    /// most 20 lines of 200 characters, escaped; `None` when it printed nothing.
    pub fn printed_since(&self, mark: OutputMark) -> Option<String> {
        let (lines, printed) = sync_lock(&self.process.as_ref()?.output).since(mark);
        output::note(&lines, printed)
    }

    /// Threads, open file descriptors and resident memory of a spawned server (off Linux
    /// without threads: see [`ProcessStats`]). `None` for an address target, or once the
    /// server has exited.
    pub fn stats(&self) -> Option<ProcessStats> {
        crate::procfs::process_stats(self.pid()?)
    }

    /// Ends a spawned server and its process group: SIGTERM, up to 3 s for it to exit, then
    /// SIGKILL (Windows: the Job object is terminated). Does nothing for an address target.
    pub async fn stop(mut self) {
        if let Some(process) = self.process.take() {
            process.stop().await;
        }
    }
}

/// Address target: parse and resolve, bounded; no connection. Whether something accepts
/// connections there is decided by the first test user's connect (see
/// [`Target::seen_listening`]).
async fn start_address(address: &str, startup: Duration) -> Result<Target, TargetError> {
    let bad = |reason: &str| TargetError::BadAddress {
        address: address.to_owned(),
        reason: reason.to_owned(),
    };
    let (host, port) = address.rsplit_once(':').ok_or_else(|| bad("no :PORT"))?;
    if host.is_empty() {
        return Err(bad("no HOST"));
    }
    match port.parse::<u16>() {
        Ok(0) => return Err(bad("port 0 is not a listening port")),
        Ok(_) => {}
        Err(_) => return Err(bad(&format!("`{port}` is not a port number"))),
    }
    let unreachable = |reason: String| TargetError::Unreachable {
        address: address.to_owned(),
        reason,
    };
    let bound = startup.min(ADDRESS_RESOLVE_BOUND);
    let resolved = match tokio::time::timeout(bound, tokio::net::lookup_host(address)).await {
        Ok(Ok(addrs)) => addrs.collect::<Vec<_>>(),
        Ok(Err(e)) => return Err(unreachable(format!("cannot resolve `{host}`: {e}"))),
        Err(_) => {
            return Err(unreachable(format!(
                "resolving `{host}` took over {bound:?}"
            )));
        }
    };
    let addr = resolved
        .first()
        .copied()
        .ok_or_else(|| unreachable(format!("`{host}` resolves to no address")))?;
    Ok(Target {
        addr,
        label: address.to_owned(),
        process: None,
        seen_listening: false,
        skipped: Vec::new(),
    })
}

/// Command target: a free port, the command spawned, a bounded wait until it listens.
///
/// The wait opens no connection (a server that reads the name in its accept loop dies of a
/// client that closes at once): it watches `/proc/net/tcp{,6}` for a listening socket on the
/// port that belongs to the spawned process tree. A socket of another program that took the
/// port between our choosing it and the server binding it is not the server: the server then
/// usually exits (address in use), and is started again on another port, at most
/// [`PORT_ATTEMPTS`] times. Where those tables cannot be read (not Linux), the target is
/// returned at once, not yet [seen listening](Target::seen_listening): the first test user's
/// connect then retries until the port accepts, within the startup bound.
/// `launch` is what is spawned: `template` itself, or `template` run by a launcher.
async fn start_command(
    template: &str,
    launch: &str,
    startup: Duration,
) -> Result<Target, TargetError> {
    if !template.contains("{port}") {
        return Err(TargetError::NoPortPlaceholder {
            command: template.to_owned(),
        });
    }
    let started = Instant::now();
    let mut attempt = 1;
    loop {
        match start_on_free_port(template, launch, started, startup).await? {
            Started::Ready(target) => return Ok(*target),
            Started::PortTaken(error) if attempt >= PORT_ATTEMPTS => return Err(error),
            Started::PortTaken(_) => attempt += 1,
        }
    }
}

/// How many ports a spawned server is tried on when another program takes its port.
const PORT_ATTEMPTS: u32 = 3;

/// One attempt of [`start_command`].
enum Started {
    Ready(Box<Target>),
    /// The server exited while another program listened on its port: try another.
    PortTaken(TargetError),
}

async fn start_on_free_port(
    template: &str,
    launch: &str,
    started: Instant,
    startup: Duration,
) -> Result<Started, TargetError> {
    let port = free_port().map_err(|e| TargetError::NoFreePort(e.to_string()))?;
    let command = launch.replace("{port}", &port.to_string());
    let mut process = Process::spawn(template, shell_command(&command), true)?;
    loop {
        let listening = listening_on(port);
        if let Some(status) = process.exit_status() {
            process.settle_output().await;
            let error = TargetError::Exited {
                command: template.to_owned(),
                status,
                stderr: process.stderr_tail(),
            };
            return Ok(match listening {
                Listening::At(..) => Started::PortTaken(error),
                _ => return Err(error),
            });
        }
        let timed_out = started.elapsed() >= startup;
        let found = match listening {
            Listening::At(addr, inode) if owns_socket(process.pid(), inode) => Some((addr, true)),
            // Someone else's socket at the end of the wait: the server's cannot be told
            // apart (its process tree hides it), so the port is taken as its.
            Listening::At(addr, _) if timed_out => Some((addr, true)),
            Listening::Unknown => Some((
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
                false,
            )),
            // Listening, but elsewhere: a port written into the server's code. (Its port
            // among them: it bound just after the look above; the next look finds it.)
            Listening::NotYet => match listening_ports_of(process.pid()) {
                ports if !ports.is_empty() && !ports.contains(&port) => {
                    return Err(TargetError::WrongPort {
                        command: template.to_owned(),
                        port,
                        listening: ports,
                    });
                }
                _ if timed_out => return Err(start_timeout(template, port, started, &process)),
                _ => None,
            },
            _ if timed_out => return Err(start_timeout(template, port, started, &process)),
            _ => None,
        };
        if let Some((addr, seen_listening)) = found {
            let skipped = if seen_listening {
                Vec::new()
            } else {
                vec![NO_SOCKET_TABLE.to_owned()]
            };
            return Ok(Started::Ready(Box::new(Target {
                addr,
                label: template.to_owned(),
                process: Some(process),
                seen_listening,
                skipped,
            })));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

fn start_timeout(template: &str, port: u16, started: Instant, process: &Process) -> TargetError {
    TargetError::StartTimeout {
        command: template.to_owned(),
        port,
        waited: started.elapsed(),
        output: process.output_tail(ERROR_STDERR_LINES * 4),
    }
}

/// A port that was free a moment ago on 127.0.0.1.
fn free_port() -> io::Result<u16> {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

#[cfg(all(test, target_os = "linux"))]
mod linux_tests;

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    use super::process::shell_line;
    use super::process::{TAIL_LINE_BYTES, TAIL_LINES, Tail};
    use super::reference::find_conformance;
    use super::*;

    #[tokio::test]
    async fn an_address_target_is_resolved_but_never_connected_to() {
        // Nothing listens there: starting does not find out (no probe connection); the
        // first test user's connect does.
        let port = free_port().unwrap();
        let spec = TargetSpec::Address(format!("127.0.0.1:{port}"));
        let target = Target::start(&spec, Duration::from_secs(10)).await.unwrap();
        assert!(!target.seen_listening());
        assert_eq!(target.addr().port(), port);
        // A listener sees no connection from starting a target on it.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let spec = TargetSpec::Address(listener.local_addr().unwrap().to_string());
        Target::start(&spec, Duration::from_secs(10)).await.unwrap();
        assert_eq!(
            listener.accept().map_err(|e| e.kind()).err(),
            Some(io::ErrorKind::WouldBlock),
            "starting an address target must not connect to it"
        );
    }

    #[tokio::test]
    async fn an_unresolvable_host_is_unreachable_in_one_line() {
        let spec = TargetSpec::Address("no-such-host.invalid:8070".to_owned());
        let err = Target::start(&spec, Duration::from_secs(10))
            .await
            .unwrap_err();
        assert!(matches!(err, TargetError::Unreachable { .. }), "{err}");
        let message = err.to_string();
        assert!(message.starts_with("cannot connect to no-such-host.invalid:8070: "));
        assert!(!message.contains('\n'));
    }

    #[tokio::test]
    async fn malformed_addresses_are_rejected() {
        for address in [
            "localhost",
            ":8070",
            "localhost:http",
            "127.0.0.1:0",
            "1.2.3.4:70000",
        ] {
            let spec = TargetSpec::Address(address.to_owned());
            let err = Target::start(&spec, Duration::from_secs(1))
                .await
                .unwrap_err();
            assert!(
                matches!(err, TargetError::BadAddress { .. }),
                "{address}: {err}"
            );
        }
    }

    #[tokio::test]
    async fn a_listening_address_is_a_target() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let spec = TargetSpec::Address(addr.to_string());
        let mut target = Target::start(&spec, Duration::from_secs(5)).await.unwrap();
        assert_eq!(target.addr(), addr);
        assert_eq!(target.label(), addr.to_string());
        assert_eq!(target.pid(), None);
        assert_eq!(target.stats(), None);
        assert_eq!(target.has_exited(), None);
        target.stop().await;
    }

    #[tokio::test]
    async fn a_command_that_exits_at_once_reports_its_stderr() {
        let spec = TargetSpec::Command("echo 'no such class' >&2; exit 3 # {port}".to_owned());
        let started = Instant::now();
        let err = Target::start(&spec, Duration::from_secs(20))
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        match &err {
            TargetError::Exited { status, stderr, .. } => {
                assert!(status.contains('3'), "{status}");
                assert_eq!(stderr, &["no such class".to_owned()]);
            }
            other => panic!("expected Exited, got {other}"),
        }
        let message = err.to_string();
        assert!(message.contains("\"no such class\""), "{message}");
        assert!(!message.contains('\n'));
    }

    #[tokio::test]
    async fn a_command_that_never_listens_times_out() {
        let spec = TargetSpec::Command("sleep 30 # {port}".to_owned());
        let started = Instant::now();
        let err = Target::start(&spec, Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(matches!(err, TargetError::StartTimeout { .. }), "{err}");
        assert!(err.to_string().contains("sleep 30 # {port}"), "{err}");
    }

    /// A server that listens elsewhere and says so: its own words are in the error, from
    /// stdout as from stderr.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_command_that_never_listens_is_quoted() {
        let spec = TargetSpec::Command(
            "echo 'serving on 0.0.0.0:9002'; echo 'port ignored' >&2; sleep 30 # {port}".to_owned(),
        );
        let err = Target::start(&spec, Duration::from_millis(500))
            .await
            .unwrap_err();
        let TargetError::StartTimeout { output, .. } = &err else {
            panic!("expected StartTimeout, got {err}");
        };
        // Two pipes, read side by side: either may come first.
        let mut lines = output.clone();
        lines.sort();
        assert_eq!(lines, ["port ignored", "serving on 0.0.0.0:9002"]);
        let message = err.to_string();
        assert!(message.contains("; it printed \""), "{message}");
        assert!(message.contains("\"serving on 0.0.0.0:9002\""), "{message}");
        assert!(message.contains("\"port ignored\""), "{message}");
    }

    #[tokio::test]
    async fn a_command_without_a_port_placeholder_is_an_error() {
        let spec = TargetSpec::Command("java ChatServer 8070".to_owned());
        let err = Target::start(&spec, Duration::from_secs(1))
            .await
            .unwrap_err();
        assert!(
            matches!(err, TargetError::NoPortPlaceholder { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("{port}"));
    }

    #[cfg(unix)]
    #[test]
    fn compound_commands_run_without_exec() {
        assert_eq!(shell_line("java Server 1"), "exec java Server 1");
        assert_eq!(shell_line("./server 1 2>&1"), "exec ./server 1 2>&1");
        assert_eq!(shell_line("cd x && java S 1"), "cd x && java S 1");
        assert_eq!(shell_line("a 1; b"), "a 1; b");
        assert_eq!(shell_line("(cd x; s 1)"), "(cd x; s 1)");
    }

    #[test]
    fn a_missing_conformance_binary_says_how_to_build_it() {
        let dir = std::env::temp_dir().join(format!("conformance-target-{}", std::process::id()));
        let exe = dir.join("deps").join("embedding-test");
        let err = find_conformance(&exe).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("cargo build -p conformance"), "{message}");
        assert!(message.contains(&dir.join("deps").join("conformance").display().to_string()));
        assert!(message.contains(&dir.join("conformance").display().to_string()));
    }

    /// Runs only when the `conformance` binary is built (`cargo test -p conformance` builds
    /// it for the integration tests): a test binary has no `serve-reference` mode of its own.
    #[tokio::test]
    async fn the_reference_server_starts_when_built() {
        let exe = std::env::current_exe().unwrap();
        if find_conformance(&exe).is_err() {
            eprintln!("skipped: the conformance binary is not built");
            return;
        }
        let target = Target::start(&TargetSpec::Reference, Duration::from_secs(10))
            .await
            .unwrap();
        assert!(target.label().starts_with("reference-server ("));
        tokio::net::TcpStream::connect(target.addr()).await.unwrap();
        target.stop().await;
    }

    #[test]
    fn tails_are_bounded() {
        let mut tail = Tail::default();
        for i in 0..200 {
            tail.push_bytes(format!("line {i}\r\n").as_bytes());
        }
        tail.push_bytes(&vec![b'x'; 10 * TAIL_LINE_BYTES]);
        let lines = tail.lines();
        assert_eq!(lines.len(), TAIL_LINES + 1);
        assert_eq!(lines[0], "line 150");
        assert_eq!(lines[TAIL_LINES - 1], "line 199");
        assert_eq!(lines[TAIL_LINES].len(), TAIL_LINE_BYTES);
    }
}
