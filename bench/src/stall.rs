//! The stall bound: how long a reader waits for its next line while a flood goes past a user
//! who never reads (PROTOCOL.md SLOW-1, SLOW-2; the reference server's `--stall-timeout`).
//!
//! beto writes 16,000 lines of 1 KB as fast as the server takes them; carla reads all the
//! time; ana never reads. The figure is the longest gap between two of beto's lines at carla:
//! the time the server held the room back before giving up on ana. A server that drops carla,
//! or loses a line, is an error, not a figure.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// Lines beto sends (16 MB).
const LINES: usize = 16_000;
/// The longest any read or write may block before the run is given up.
const PATIENCE: Duration = Duration::from_secs(30);

/// One run against the server at `addr` (reference wording: a name line, then chat lines):
/// the longest gap carla saw between two of beto's lines.
pub fn longest_gap(addr: SocketAddr) -> Result<Duration, String> {
    let mut carla = join(addr, "carla")?;
    let mut beto = join(addr, "beto")?;
    let ana = join(addr, "ana")?;
    // Everyone has joined once carla has heard ana join.
    wait_for(&mut carla, "ana se ha unido al chat")?;

    let text = "x".repeat(1017);
    // beto's connection is handed back and kept open until carla has every line: closed
    // with unread lines in it (ana's leave), it would end in a reset, and the server would
    // lose what beto wrote last.
    let flood = thread::spawn(move || -> Result<BufReader<TcpStream>, String> {
        let stream = beto.get_mut();
        for first in (0..LINES).step_by(64) {
            let chunk: String = (first..LINES.min(first + 64))
                .map(|k| format!("{k:05} {text}\n"))
                .collect();
            stream
                .write_all(chunk.as_bytes())
                .map_err(|e| format!("beto's write: {e}"))?;
        }
        Ok(beto)
    });

    let mut got = 0;
    let mut last = Instant::now();
    let mut longest = Duration::ZERO;
    let mut line = String::new();
    while got < LINES {
        line.clear();
        match carla.read_line(&mut line) {
            Ok(0) => return Err(format!("carla was disconnected after {got} lines")),
            Ok(_) => {}
            Err(e) => return Err(format!("carla, after {got} lines: {e}")),
        }
        if line.starts_with("beto: ") {
            longest = longest.max(last.elapsed());
            last = Instant::now();
            got += 1;
        }
    }
    let beto = flood
        .join()
        .map_err(|_| "beto's thread panicked".to_owned())??;
    drop((ana, beto));
    Ok(longest)
}

/// Connects, sends the name and waits for the welcome.
fn join(addr: SocketAddr, name: &str) -> Result<BufReader<TcpStream>, String> {
    let stream = TcpStream::connect(addr).map_err(|e| format!("{name} connects: {e}"))?;
    for timeout in [
        stream.set_read_timeout(Some(PATIENCE)),
        stream.set_write_timeout(Some(PATIENCE)),
    ] {
        timeout.map_err(|e| format!("{name}: {e}"))?;
    }
    let mut reader = BufReader::new(stream);
    writeln!(reader.get_mut(), "{name}").map_err(|e| format!("{name} joins: {e}"))?;
    wait_for(&mut reader, "Bienvenido")?;
    Ok(reader)
}

/// Reads lines until one starts with `start`.
fn wait_for(reader: &mut BufReader<TcpStream>, start: &str) -> Result<(), String> {
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => return Err(format!("closed while waiting for {start:?}")),
            Ok(_) if line.starts_with(start) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(format!("waiting for {start:?}: {e}")),
        }
    }
}
