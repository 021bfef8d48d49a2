//! Test support: a server process per test (started by `chat_test_support`, shared with the
//! client's tests), and a scripted client whose failures show the whole transcript.
//!
//! Every wait here is bounded ([`TIMEOUT`]); nothing sleeps to synchronise. To prove that
//! nothing else arrived, use [`barrier`]: another user sends a unique sentinel and the
//! observer's very next line must be that sentinel.

#![allow(dead_code)] // not every test module uses every helper

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use chat_protocol::wording;
use chat_test_support::{ServerLog, ServerProcess};

/// The server binary under test, built by cargo for this package's tests.
const BINARY: &str = env!("CARGO_BIN_EXE_reference-server");

/// The longest any single wait may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Most bytes a [`TestClient`] takes from its socket per read.
const READ_SIZE: usize = 64 * 1024;

/// The reference server under test (a [`ServerProcess`] on a free port), with the ways this
/// suite's tests connect to it; killed on drop.
pub struct Server {
    process: ServerProcess,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Server {
    /// Starts the server with the default options.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Starts the server with extra options (`--port 0` is added). Set
    /// `REFERENCE_SERVER_TEST_LOG=1` to see its stderr.
    pub fn start_with(args: &[&str]) -> Server {
        Server::around(ServerProcess::start(BINARY, args))
    }

    /// Starts the server with extra options and at most `fds` open file descriptors
    /// (`ulimit -n`, through `sh`, which then becomes the server).
    pub fn start_with_fd_limit(fds: u32, args: &[&str]) -> Server {
        let mut command = Command::new("sh");
        command
            .args(["-c", "ulimit -n \"$0\" && exec \"$@\""])
            .arg(fds.to_string())
            .arg(BINARY)
            .args(["--port", "0"])
            .args(args);
        Server::around(ServerProcess::spawn(command))
    }

    fn around(process: ServerProcess) -> Server {
        let addr = process.addr();
        Server { process, addr }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// The server's log (its stderr) so far.
    pub fn log(&self) -> &ServerLog {
        self.process.log()
    }

    /// Waits (bounded) for the server process to exit and returns its status.
    pub fn wait_exit(&mut self) -> Option<ExitStatus> {
        self.process.wait_exit()
    }

    /// A raw connection that has not sent anything yet.
    pub fn connect(&self) -> TestClient {
        TestClient::connect(self.addr, "(unnamed)")
    }

    /// A raw connection that has not sent anything yet, already called `name` (in failure
    /// messages and by [`TestClient::say`]) for a test that sends the name itself.
    pub fn connect_as(&self, name: &str) -> TestClient {
        TestClient::connect(self.addr, name)
    }

    /// A raw connection called `name`, not named yet, whose socket receive buffer is made
    /// `size` bytes first: a client that stops reading backs up into the server sooner.
    pub fn connect_with_recv_buffer(&self, name: &str, size: usize) -> TestClient {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
            .expect("socket");
        socket.set_recv_buffer_size(size).expect("SO_RCVBUF");
        socket.connect(&self.addr.into()).expect("connect");
        TestClient::from_stream(socket.into(), name)
    }

    /// Connects, sends `name` and waits for the welcome line (the registration ack, JOIN-5).
    pub fn join(&self, name: &str) -> TestClient {
        let mut client = TestClient::connect(self.addr, name);
        client.send_line(name);
        client.expect_line(&wording::welcome_line(name));
        client
    }

    /// Joins as `name`; each of `others` must then see its join line (JOIN-2).
    pub fn join_seen_by(&self, name: &str, others: &mut [&mut TestClient]) -> TestClient {
        let client = self.join(name);
        for other in others {
            other.expect_line(&wording::join_line(name));
        }
        client
    }

    /// Joins every user in turn; each earlier user must see each later join (JOIN-2).
    pub fn join_all(&self, names: &[impl AsRef<str>]) -> Vec<TestClient> {
        let mut clients: Vec<TestClient> = Vec::new();
        for name in names {
            let mut earlier: Vec<&mut TestClient> = clients.iter_mut().collect();
            let client = self.join_seen_by(name.as_ref(), &mut earlier);
            clients.push(client);
        }
        clients
    }

    /// [`Server::join_all`] for a few users at once, all joins seen:
    /// `let [mut ana, mut bob] = server.room(["ana", "bob"]);`
    pub fn room<const N: usize>(&self, names: [&str; N]) -> [TestClient; N] {
        match self.join_all(&names).try_into() {
            Ok(clients) => clients,
            Err(_) => unreachable!("join_all returns one client per name"),
        }
    }
}

/// One scripted chat client with a transcript of everything it received.
pub struct TestClient {
    pub name: String,
    stream: TcpStream,
    buf: Vec<u8>,
    received: Vec<String>,
    /// Most bytes taken from the socket per read, and the pause after each read: a client
    /// that reads all the time, but slowly ([`TestClient::read_slowly`]).
    read_size: usize,
    read_pause: Duration,
}

impl TestClient {
    /// Connects to `addr`; `label` names the client in failure messages.
    pub fn connect(addr: SocketAddr, label: &str) -> TestClient {
        let stream = TcpStream::connect(addr).expect("connect to the server");
        TestClient::from_stream(stream, label)
    }

    /// Wraps an already connected stream.
    pub fn from_stream(stream: TcpStream, label: &str) -> TestClient {
        stream
            .set_read_timeout(Some(TIMEOUT))
            .expect("set_read_timeout");
        stream
            .set_write_timeout(Some(TIMEOUT))
            .expect("set_write_timeout");
        stream.set_nodelay(true).expect("set_nodelay");
        TestClient {
            name: label.to_owned(),
            stream,
            buf: Vec::new(),
            received: Vec::new(),
            read_size: READ_SIZE,
            read_pause: Duration::ZERO,
        }
    }

    /// From now on, reads at most `size` bytes at a time and pauses `pause` after each read:
    /// a client that never stops reading but is slower than the server (deliberate pacing,
    /// not synchronisation).
    pub fn read_slowly(&mut self, size: usize, pause: Duration) {
        self.read_size = size.clamp(1, READ_SIZE);
        self.read_pause = pause;
    }

    /// The underlying socket.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Sends `text` and a `\n`, in one write.
    pub fn send_line(&mut self, text: &str) {
        self.send_raw(format!("{text}\n").as_bytes());
    }

    /// Sends these exact bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream
            .write_all(bytes)
            .unwrap_or_else(|e| panic!("[{}] write failed: {e}", self.name));
    }

    /// Sends `text`, a chat message, and returns the line everyone else must receive.
    pub fn say(&mut self, text: &str) -> String {
        self.send_line(text);
        wording::chat_line(&self.name, text)
    }

    /// Sends `text`, a chat message; each of `receivers` must get it as its next line.
    /// Returns that line.
    pub fn say_to(&mut self, text: &str, receivers: &mut [&mut TestClient]) -> String {
        let line = self.say(text);
        for receiver in receivers {
            receiver.expect_line(&line);
        }
        line
    }

    /// The next line (without `\n`), or `Err` with what happened instead (EOF, timeout, …).
    pub fn try_next_line(&mut self) -> Result<String, String> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let raw: Vec<u8> = self.buf.drain(..=i).collect();
                let line = String::from_utf8(raw[..i].to_vec())
                    .unwrap_or_else(|e| panic!("[{}] server sent invalid UTF-8: {e}", self.name));
                self.received.push(line.clone());
                return Ok(line);
            }
            if Instant::now() >= deadline {
                return Err(format!("no complete line within {TIMEOUT:?}"));
            }
            let mut chunk = [0_u8; READ_SIZE];
            match self.stream.read(&mut chunk[..self.read_size]) {
                Ok(0) => return Err("connection closed (EOF)".into()),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    if !self.read_pause.is_zero() {
                        thread::sleep(self.read_pause);
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("read error: {e}")),
            }
        }
    }

    /// The next line; fails the test with the transcript if there is none.
    pub fn next_line(&mut self) -> String {
        match self.try_next_line() {
            Ok(line) => line,
            Err(why) => self.fail("a line", &why),
        }
    }

    /// The next line must be exactly `expected`.
    pub fn expect_line(&mut self, expected: &str) {
        match self.try_next_line() {
            Ok(line) if line == expected => {}
            Ok(line) => self.fail(expected, &format!("{line:?}")),
            Err(why) => self.fail(expected, &why),
        }
    }

    /// The next line must be `ERROR: {reason}`.
    pub fn expect_error(&mut self, reason: &str) {
        self.expect_line(&wording::error_line(reason));
    }

    /// The next line must be `ERROR: {reason}`, and then the server must close the connection.
    pub fn expect_refused(&mut self, reason: &str) {
        self.expect_error(reason);
        self.expect_closed();
    }

    /// The server must close the connection (EOF or reset) with no further line.
    pub fn expect_closed(&mut self) {
        match self.try_next_line() {
            Ok(line) => self.fail("the connection to close", &format!("{line:?}")),
            Err(why) if why.contains("EOF") || why.contains("reset") => {}
            Err(why) => self.fail("the connection to close", &why),
        }
    }

    /// Reads until the connection closes, ignoring what arrives (bounded per read).
    pub fn drain_until_closed(&mut self) {
        self.stream
            .set_read_timeout(Some(TIMEOUT))
            .expect("set_read_timeout");
        let mut chunk = [0_u8; 64 * 1024];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return,
                Err(e) => self.fail("the connection to close", &format!("read error: {e}")),
            }
        }
    }

    /// Closes the connection cleanly (FIN).
    pub fn close(self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    /// Closes the connection with a reset (RST): SO_LINGER 0, then close.
    pub fn reset(self) {
        let socket = socket2::SockRef::from(&self.stream);
        socket.set_linger(Some(Duration::ZERO)).expect("set_linger");
        drop(self);
    }

    /// Everything received so far.
    pub fn received(&self) -> &[String] {
        &self.received
    }

    fn fail(&self, expected: &str, actual: &str) -> ! {
        let mut transcript = String::new();
        for line in &self.received {
            transcript.push_str(&format!("\n    {line:?}"));
        }
        panic!(
            "[{}]\n  Expected: {expected:?}\n  Actual:   {actual}\n  Received so far:{transcript}",
            self.name
        );
    }
}

/// A text no one has sent before, for barriers.
pub fn unique(tag: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{tag}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Proves `observer` has received nothing unexpected so far: `sender` sends a unique
/// sentinel, and the observer's very next line must be it.
pub fn barrier(sender: &mut TestClient, observer: &mut TestClient) {
    let expected = sender.say(&unique("sentinel"));
    observer.expect_line(&expected);
}

/// [`barrier`] both ways: first `a` sends and `b` observes, then `b` sends and `a` observes.
pub fn barrier_each_way(a: &mut TestClient, b: &mut TestClient) {
    barrier(a, b);
    barrier(b, a);
}

/// Like [`barrier`] for several observers at once.
pub fn barrier_all(sender: &mut TestClient, observers: &mut [&mut TestClient]) {
    let expected = sender.say(&unique("sentinel"));
    for observer in observers {
        observer.expect_line(&expected);
    }
}

/// Number of threads of process `pid` (Linux: entries of /proc/PID/task).
pub fn thread_count(pid: u32) -> io::Result<usize> {
    Ok(std::fs::read_dir(format!("/proc/{pid}/task"))?.count())
}

/// Number of open file descriptors of process `pid` (Linux: entries of /proc/PID/fd).
pub fn fd_count(pid: u32) -> io::Result<usize> {
    Ok(std::fs::read_dir(format!("/proc/{pid}/fd"))?.count())
}

/// Polls `probe` until it returns `want`, up to [`TIMEOUT`]; returns the last value seen.
pub fn wait_for(want: usize, mut probe: impl FnMut() -> usize) -> usize {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let got = probe();
        if got == want || Instant::now() >= deadline {
            return got;
        }
        thread::sleep(Duration::from_millis(20)); // polling an observable state
    }
}

/// The seed's own client, `fixtures/clients/seed_client.py`, run as a student runs it: what
/// the test types goes to its stdin, what it prints is read from its stdout. It sends every
/// message with one bare `send()`, no `\n` (an unframed client, FRAME-5).
pub struct SeedClient {
    child: Child,
    stdin: ChildStdin,
    output: mpsc::Receiver<String>,
    printed: Vec<String>,
}

impl SeedClient {
    /// Starts the client against `server`; it asks for a name first.
    pub fn start(server: &Server) -> SeedClient {
        let script = chat_test_support::root().join("fixtures/clients/seed_client.py");
        let mut child = Command::new("python3")
            .arg("-u") // its prints reach the pipe at once, as they reach a terminal
            .arg(&script)
            .arg(server.addr.ip().to_string())
            .arg(server.addr.port().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start python3 {script:?}: {e}"));
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, output) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        SeedClient {
            child,
            stdin,
            output,
            printed: Vec::new(),
        }
    }

    /// Types `text` and Enter.
    pub fn type_line(&mut self, text: &str) {
        writeln!(self.stdin, "{text}")
            .and_then(|()| self.stdin.flush())
            .unwrap_or_else(|e| self.fail(&format!("to type {text:?}"), &e.to_string()));
    }

    /// Waits (bounded) until the client prints a line that contains `text`.
    pub fn expect_printed(&mut self, text: &str) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(text);
                    self.printed.push(line);
                    if found {
                        return;
                    }
                }
                Err(e) => self.fail(&format!("a printed line with {text:?}"), &e.to_string()),
            }
        }
    }

    /// Waits (bounded) for the client to exit, and checks it exited normally.
    pub fn expect_exit(&mut self) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return,
                Ok(Some(status)) => self.fail("a clean exit", &format!("{status}")),
                Ok(None) if Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(20)); // polling an observable state
                }
                Ok(None) => self.fail("the client to exit", "still running"),
                Err(e) => self.fail("the client to exit", &e.to_string()),
            }
        }
    }

    fn fail(&self, expected: &str, actual: &str) -> ! {
        let printed: String = self
            .printed
            .iter()
            .map(|l| format!("\n    {l:?}"))
            .collect();
        panic!("[seed client]\n  Expected: {expected}\n  Actual:   {actual}\n  Printed:{printed}");
    }
}

impl Drop for SeedClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Users who chat in the background: one thread has each say a line in turn, a round every
/// `every` (pacing, not synchronisation), and a thread per user reads everything it is sent,
/// so nobody falls behind. [`Chatter::stop`] ends it.
pub struct Chatter {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Chatter {
    /// Starts `users` chatting, a round every `every`.
    pub fn start(users: Vec<TestClient>, every: Duration) -> Chatter {
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        for user in &users {
            let mut stream = user.stream().try_clone().expect("clone the socket");
            threads.push(thread::spawn(move || {
                let mut chunk = [0_u8; READ_SIZE];
                while matches!(stream.read(&mut chunk), Ok(n) if n > 0) {}
            }));
        }
        let writer_stop = Arc::clone(&stop);
        threads.push(thread::spawn(move || {
            let mut users = users;
            for round in 0.. {
                if writer_stop.load(Ordering::Relaxed) {
                    break;
                }
                for user in &mut users {
                    user.send_line(&format!("charla {round}"));
                }
                thread::sleep(every);
            }
            // The readers see the end of their streams and return.
            for user in users {
                user.close();
            }
        }));
        Chatter { stop, threads }
    }

    /// Stops the chatter and waits for its threads.
    pub fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads {
            thread.join().expect("a chatter thread panicked");
        }
    }
}
