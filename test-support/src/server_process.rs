//! A chat server running as a child process on a free port, found through the `listening on
//! HOST:PORT` line it prints first (`chat_protocol::listening`), and killed when dropped.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use chat_protocol::listening;

use crate::server_log::ServerLog;

/// The longest a server may take to print its `listening on` line, or to exit when asked to
/// wait for that. Generous: the machine may be busy.
pub const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A server process, listening at [`addr`](Self::addr); killed (and reaped) when dropped, so
/// a failing test leaves no server behind.
///
/// Its stderr is its [`log`](Self::log), also copied to the test's stderr when
/// `REFERENCE_SERVER_TEST_LOG` is set. Its stdout stays open for the process's whole life, so
/// the server never writes into a closed pipe.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    addr: SocketAddr,
    log: ServerLog,
    _stdout: BufReader<ChildStdout>,
}

impl ServerProcess {
    /// Starts `program --port 0 ARGS` (a free port) and waits for its listening line.
    ///
    /// # Panics
    ///
    /// When the program cannot be started, or does not print a `listening on HOST:PORT` line
    /// first within [`START_TIMEOUT`].
    pub fn start(program: impl AsRef<OsStr>, args: &[&str]) -> ServerProcess {
        let mut command = Command::new(program);
        command.args(["--port", "0"]).args(args);
        ServerProcess::spawn(command)
    }

    /// Starts `command`, a server that prints `listening on HOST:PORT` first (for a command
    /// [`start`](Self::start) cannot build, e.g. one run through a shell that sets limits),
    /// and waits for that line. Its standard streams are set here.
    ///
    /// # Panics
    ///
    /// As [`start`](Self::start).
    pub fn spawn(mut command: Command) -> ServerProcess {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let log = ServerLog::read_from(child.stderr.take().expect("stderr is piped"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let (line, stdout) = match first_line(stdout) {
            Some(read) => read,
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{command:?} printed no line within {START_TIMEOUT:?}");
            }
        };
        let Some(addr) = listening::parse(&line) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the first stdout line of {command:?}, {line:?}, is not `listening on ADDR`");
        };
        ServerProcess {
            child,
            addr,
            log,
            _stdout: stdout,
        }
    }

    /// What the server has written to its stderr so far.
    pub fn log(&self) -> &ServerLog {
        &self.log
    }

    /// The address to connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The process id (of the server itself, when started by [`start`](Self::start)).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits, at most [`START_TIMEOUT`], for the process to exit, and returns its status;
    /// `None` if it is still running.
    pub fn wait_exit(&mut self) -> Option<ExitStatus> {
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait on the server") {
                return Some(status);
            }
            thread::sleep(Duration::from_millis(10)); // polling an observable state
        }
        None
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads the first line of `stdout` (empty at EOF), waiting at most [`START_TIMEOUT`];
/// returns it with the reader, to keep the pipe open.
fn first_line(stdout: ChildStdout) -> Option<(String, BufReader<ChildStdout>)> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let _ = tx.send((line, stdout));
    });
    rx.recv_timeout(START_TIMEOUT).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn the_address_comes_from_the_listening_line() {
        let server = ServerProcess::spawn(shell("echo 'listening on 0.0.0.0:4242'"));
        assert_eq!(server.addr(), "127.0.0.1:4242".parse().expect("an address"));
        assert_eq!(server.port(), 4242);
    }

    #[test]
    #[should_panic(expected = "is not `listening on ADDR`")]
    fn another_first_line_is_refused_with_the_line() {
        ServerProcess::spawn(shell("echo 'Serving on port 4242'"));
    }

    #[test]
    fn the_exit_status_is_seen() {
        let mut server = ServerProcess::spawn(shell("echo 'listening on 127.0.0.1:4242'; exit 3"));
        let status = server.wait_exit().expect("the shell exits");
        assert_eq!(status.code(), Some(3));
    }
}
