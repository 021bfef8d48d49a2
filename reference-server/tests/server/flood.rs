//! Connection floods (LIMIT-1, LIMIT-2, JOIN-6): thousands of connections that never send a
//! name, and a server that runs out of file descriptors. The server sheds what it cannot
//! hold, with `ERROR: …` and a close, never spins or dies, and the real users keep chatting
//! through it and can join again after it.

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use chat_protocol::wording;

use crate::support::{Server, TIMEOUT, TestClient, barrier_all, barrier_each_way};

/// Connections in the flood (fewer if this process may not open that many).
const FLOOD: usize = 2000;
/// `--name-timeout` of the flooded servers, in seconds.
const NAME_TIMEOUT: &str = "2";
/// Most of a core the server may use while it waits out a flood: a busy loop uses all it
/// can get, even on a loaded machine far more than this.
const IDLE_CORES: f64 = 0.1;

/// How many connections this process can open besides what it already has.
fn flood_size() -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(1024);
    FLOOD.min(soft.saturating_sub(256))
}

/// CPU time (user + system) used so far by process `pid`.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the server runs");
    let (_, rest) = stat.rsplit_once(')').expect("a stat line");
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .map(|t| t.parse::<u64>().expect("a tick count"))
        .sum();
    Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
}

/// Opens `n` connections that never send anything.
fn open_flood(server: &Server, n: usize) -> Vec<TcpStream> {
    (0..n)
        .map(|i| {
            TcpStream::connect_timeout(&server.addr, TIMEOUT)
                .unwrap_or_else(|e| panic!("flood connection {i} of {n}: {e}"))
        })
        .collect()
}

/// Reads each flood connection to its end; returns how many got each line. Bounded: every
/// connection is closed by the server at the latest when its name timeout expires.
fn ends_of(flood: Vec<TcpStream>) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for mut stream in flood {
        stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        let mut text = Vec::new();
        match stream.read_to_end(&mut text) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
            Err(e) => panic!("a flood connection was not closed by the server: {e}"),
        }
        let line = String::from_utf8_lossy(&text).trim_end().to_string();
        *seen.entry(line).or_insert(0) += 1;
    }
    seen
}

/// How many flood connections were turned away with `ERROR: {full}`, and how many were
/// held until their name timeout; checks that all `n` were one or the other.
fn told_why(ends: &BTreeMap<String, usize>, full: &str, n: usize) -> (usize, usize) {
    let count = |reason: &str| ends.get(&wording::error_line(reason)).copied().unwrap_or(0);
    let turned_away = count(full);
    let timed_out = count(&format!(
        "no se ha recibido ningún nombre en {NAME_TIMEOUT} s"
    ));
    assert_eq!(
        turned_away + timed_out,
        n,
        "every flood connection told why: {ends:?}"
    );
    (turned_away, timed_out)
}

/// The room keeps working through a flood of connections that never send a name: the
/// server holds at most `--max-clients` of them (threads and descriptors stay bounded),
/// turns the rest away at once, closes the ones it held at the name timeout, and then lets
/// a new user in.
#[test]
fn limit_1_2_a_flood_of_nameless_connections_does_not_stop_the_room() {
    let server = Server::start_with(&["--max-clients", "100", "--name-timeout", NAME_TIMEOUT]);
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    let n = flood_size();
    let flood = open_flood(&server, n);

    barrier_each_way(&mut ana, &mut bob);
    let threads = crate::support::thread_count(server.pid()).expect("threads");
    let fds = crate::support::fd_count(server.pid()).expect("fds");
    assert!(threads <= 100 + 10, "{threads} threads for 100 clients");
    assert!(fds <= 100 + 16, "{fds} descriptors for 100 clients");

    let ends = ends_of(flood);
    let (full, timed_out) = told_why(&ends, "servidor lleno (100 clientes)", n);
    // Held ones free their slots at the name timeout, so later ones may be held too.
    assert!(full > 0 && timed_out > 0, "{ends:?}");

    let mut carla = join_when_freed(&server, "carla", "servidor lleno (100 clientes)");
    ana.expect_line(&wording::join_line("carla"));
    bob.expect_line(&wording::join_line("carla"));
    barrier_all(&mut carla, &mut [&mut ana, &mut bob]);
}

/// Out of file descriptors (`ulimit -n 64`, far below `--max-clients`): every connection the
/// server cannot hold is told so and closed at once, the accept loop neither dies nor spins
/// while it waits for descriptors, and once the name timeout has freed them new users join.
#[test]
fn limit_1_running_out_of_file_descriptors_is_survived() {
    let server = Server::start_with_fd_limit(64, &["--name-timeout", NAME_TIMEOUT]);
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    let cpu_before = cpu_time(server.pid());
    let started = Instant::now();
    let flood = open_flood(&server, 300);

    barrier_each_way(&mut ana, &mut bob);
    let ends = ends_of(flood);
    let spent = cpu_time(server.pid()).saturating_sub(cpu_before);
    let waited = started.elapsed();
    let (shed, _) = told_why(
        &ends,
        "servidor lleno (no quedan descriptores de archivo)",
        300,
    );
    assert!(shed >= 200, "{ends:?}");
    assert!(
        spent.as_secs_f64() <= waited.as_secs_f64() * IDLE_CORES + 0.2,
        "the server used {spent:?} of CPU in {waited:?} while out of descriptors: a busy loop?"
    );

    let full = "servidor lleno (no quedan descriptores de archivo)";
    let mut carla = join_when_freed(&server, "carla", full);
    ana.expect_line(&wording::join_line("carla"));
    bob.expect_line(&wording::join_line("carla"));
    barrier_all(&mut carla, &mut [&mut ana, &mut bob]);
}

/// Joins as `name`, retrying (bounded) while the server still answers `ERROR: {full}`: a
/// slot or descriptor is freed when a handler thread has ended, a moment after its client
/// saw the close.
fn join_when_freed(server: &Server, name: &str, full: &str) -> TestClient {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let mut client = server.connect_as(name);
        client.send_line(name);
        let first = client.next_line();
        if first == wording::welcome_line(name) {
            return client;
        }
        assert_eq!(first, wording::error_line(full));
        assert!(Instant::now() < deadline, "{name} never got in: {first}");
        std::thread::yield_now();
    }
}
