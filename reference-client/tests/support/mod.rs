//! Test support: a scripted fake server, a client process whose standard input stays open
//! for as long as the test wants, the client on a pseudo-terminal ([`terminal`]), and the real
//! reference server (from `chat_test_support`, shared with the server's tests).
//!
//! Every wait is bounded by [`DEADLINE`]; a test that would hang fails instead, showing what
//! was seen so far.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use chat_test_support::{ServerProcess, reference_server_binary};

/// Unix only, as the tests that use it: it reads the terminal's settings (termios).
#[cfg(unix)]
pub mod terminal;

/// The longest any single step of a test may take. Generous: the machine may be busy.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Path of the client binary under test.
pub fn client_path() -> &'static str {
    env!("CARGO_BIN_EXE_reference-client")
}

/// `--port PORT`, the client's arguments to reach a server on 127.0.0.1:PORT.
pub fn port_args(port: u16) -> [String; 2] {
    ["--port".to_owned(), port.to_string()]
}

/// `--port PORT --name NAME`.
pub fn named_args(port_args: [String; 2], name: &str) -> Vec<String> {
    let mut args = port_args.to_vec();
    args.extend(["--name".to_owned(), name.to_owned()]);
    args
}

/// The real reference server, started on a free port; killed when dropped. Its binary must
/// be built (`cargo test --workspace` and `make test` build it).
pub fn real_server() -> ServerProcess {
    ServerProcess::start(reference_server_binary(), &[])
}

/// A port on 127.0.0.1 that nobody listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// The server side of one connection, as a fake server's script sees it. Everything read is
/// recorded, byte for byte.
pub struct Peer {
    reader: BufReader<TcpStream>,
    received: Vec<u8>,
}

impl Peer {
    /// Reads one line (with its `\n`), recording it; `None` when the client closed.
    pub fn read_line(&mut self) -> Option<String> {
        let mut line = Vec::new();
        let n = self
            .reader
            .read_until(b'\n', &mut line)
            .expect("fake server: read from the client (timed out?)");
        self.received.extend_from_slice(&line);
        (n > 0).then(|| String::from_utf8_lossy(&line).into_owned())
    }

    /// Reads one line and checks it is exactly `expected` plus `\n`.
    pub fn expect_line(&mut self, expected: &str) {
        let line = self.read_line();
        assert_eq!(line.as_deref(), Some(format!("{expected}\n").as_str()));
    }

    /// Reads lines until `salir\n` arrives (recording all of them).
    pub fn read_until_quit(&mut self) {
        while let Some(line) = self.read_line() {
            if line == "salir\n" {
                return;
            }
        }
        panic!("fake server: the client closed without sending salir");
    }

    /// Reads until the client closes the connection.
    pub fn read_to_end(&mut self) {
        let mut rest = Vec::new();
        self.reader
            .read_to_end(&mut rest)
            .expect("fake server: read to the end (timed out?)");
        self.received.extend_from_slice(&rest);
    }

    /// Sends raw bytes to the client.
    pub fn send(&mut self, bytes: &[u8]) {
        let stream = self.reader.get_mut();
        stream.write_all(bytes).expect("fake server: write");
        stream.flush().expect("fake server: flush");
    }
}

/// A fake server that accepts one connection, runs a script on it, then closes it.
pub struct FakeServer {
    /// The port it listens on.
    pub port: u16,
    done: Receiver<Vec<u8>>,
}

impl FakeServer {
    /// Starts listening on 127.0.0.1 (a free port) and runs `script` on the first connection.
    /// The connection is closed as soon as the script returns.
    pub fn start(script: impl FnOnce(&mut Peer) + Send + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake server");
        let port = listener.local_addr().expect("local address").port();
        let (tx, done) = mpsc::channel();
        thread::spawn(move || {
            let (stream, _) = listener.accept().expect("fake server: accept");
            stream
                .set_read_timeout(Some(DEADLINE))
                .expect("fake server: set timeout");
            let mut peer = Peer {
                reader: BufReader::new(stream),
                received: Vec::new(),
            };
            script(&mut peer);
            let Peer { reader, received } = peer;
            drop(reader); // close the connection before reporting
            let _ = tx.send(received);
        });
        Self { port, done }
    }

    /// The `--port` argument pair for this server.
    pub fn port_args(&self) -> [String; 2] {
        port_args(self.port)
    }

    /// Everything the client sent, once the script has finished.
    pub fn received(&self) -> String {
        let bytes = self
            .done
            .recv_timeout(DEADLINE)
            .expect("fake server: the script did not finish (see its panic above, if any)");
        String::from_utf8(bytes).expect("the client sent valid UTF-8")
    }
}

/// The usual room: read the name, welcome the user, take lines until `salir`, then close.
pub fn polite_room(name: &'static str) -> impl FnOnce(&mut Peer) + Send + 'static {
    move |peer| {
        peer.expect_line(name);
        peer.send(format!("Bienvenido al chat, {name}. Escribe 'salir' para salir.\n").as_bytes());
        peer.read_until_quit();
    }
}

/// The client binary, as an `assert_cmd` command with the usual deadline.
pub fn client() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(client_path());
    cmd.timeout(DEADLINE);
    cmd
}

/// Runs the client against `server` with `args` (besides `--port`), pipes `stdin` into it and
/// waits for it to exit; the caller asserts on the outcome.
pub fn run_client(server: &FakeServer, args: &[&str], stdin: &str) -> assert_cmd::assert::Assert {
    client()
        .args(server.port_args())
        .args(args)
        .write_stdin(stdin)
        .assert()
}

/// A client process whose standard input the test writes (and closes) when it wants, with its
/// standard output read line by line as it comes.
pub struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    seen: Vec<String>,
}

/// What a finished client left behind.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    /// Every stdout line, including those already matched by [`Running::expect_stdout`].
    pub stdout: Vec<String>,
    pub stderr: String,
}

impl Running {
    /// Starts the client with `args`, all three standard streams piped.
    pub fn start(args: &[String]) -> Self {
        let mut child = Command::new(client_path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the client");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let (line_tx, lines) = mpsc::channel();
        thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            let mut line = Vec::new();
            while stdout.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                if line_tx
                    .send(String::from_utf8_lossy(&line).into_owned())
                    .is_err()
                {
                    return;
                }
                line.clear();
            }
        });
        let (err_tx, err) = mpsc::channel();
        thread::spawn(move || {
            let mut text = String::new();
            let mut stderr = stderr;
            let _ = stderr.read_to_string(&mut text);
            let _ = err_tx.send(text);
        });
        Self {
            stdin: child.stdin.take(),
            child,
            stdout: lines,
            stderr: err,
            seen: Vec::new(),
        }
    }

    /// Starts the client against `server` as `--name {name}`.
    pub fn named(server: &FakeServer, name: &str) -> Self {
        Self::named_at(server.port_args(), name)
    }

    /// Starts the client with `--port PORT --name {name}`.
    pub fn named_at(port_args: [String; 2], name: &str) -> Self {
        Self::start(&named_args(port_args, name))
    }

    /// Waits (bounded) for a stdout line containing `needle` and returns it.
    pub fn expect_stdout(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(err) => panic!(
                    "no stdout line containing {needle:?} ({err}); seen so far: {:#?}",
                    self.seen
                ),
            }
        }
    }

    /// Writes to the client's standard input.
    pub fn type_in(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin
            .write_all(text.as_bytes())
            .expect("write the client's stdin");
        stdin.flush().expect("flush the client's stdin");
    }

    /// Closes the client's standard input (end of input, like Ctrl-D).
    pub fn close_input(&mut self) {
        drop(self.stdin.take());
    }

    /// Waits (bounded) for the client to exit, standard input still open, and collects what it
    /// printed.
    pub fn finish(mut self) -> Finished {
        let deadline = Instant::now() + DEADLINE;
        let mut stdout = std::mem::take(&mut self.seen);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => stdout.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    panic!("the client did not exit in time; stdout so far: {stdout:#?}")
                }
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let stderr = self
            .stderr
            .recv_timeout(left)
            .expect("the client's stderr did not close in time");
        // Both pipes are closed, so the process has exited and this returns at once.
        let status = self.child.wait().expect("wait for the client");
        Finished {
            status,
            stdout,
            stderr,
        }
    }
}

impl Drop for Running {
    /// A failing test must not leave a client running.
    fn drop(&mut self) {
        drop(self.stdin.take());
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
