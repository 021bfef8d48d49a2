//! The command line (PROTOCOL.md §10): options, exit codes, the `listening on` line, signals.

use std::net::TcpListener;
use std::process::Command;

use assert_cmd::Command as AssertCommand;
use predicates::prelude::*;

use crate::support::{Server, TIMEOUT};

fn server_cmd() -> AssertCommand {
    let mut cmd = AssertCommand::cargo_bin("reference-server").expect("binary built");
    cmd.timeout(TIMEOUT);
    cmd
}

/// §10: `--help` lists every option.
#[test]
fn options_10_help_lists_every_option() {
    let assert = server_cmd().arg("--help").assert().success();
    let out = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    for opt in [
        "--host",
        "--port",
        "--max-clients",
        "--max-line",
        "--max-name",
        "--name-timeout",
        "--max-queue",
    ] {
        assert!(out.contains(opt), "--help does not mention {opt}:\n{out}");
    }
}

/// §10: bad option values are usage errors, exit status 2.
#[test]
fn options_10_bad_values_exit_2() {
    let bad: &[&[&str]] = &[
        &["--port", "70000"],
        &["--port", "abc"],
        &["--port", "-1"],
        &["--max-clients", "0"],
        &["--max-line", "0"],
        &["--max-name", "x"],
        &["--name-timeout", "0"],
        &["--max-queue", "lots"],
        &["--no-such-option"],
        &["extra-argument"],
    ];
    for args in bad {
        server_cmd()
            .args(*args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("error"));
    }
}

/// §10: a port already in use is one clear line on stderr and a non-zero exit, no panic.
#[test]
fn options_10_port_in_use_is_a_clear_error() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let port = taken.local_addr().expect("local_addr").port().to_string();
    server_cmd()
        .args(["--port", &port])
        .assert()
        .failure()
        .stdout("")
        .stderr(
            predicate::str::contains(format!("cannot listen on 127.0.0.1:{port}"))
                .and(predicate::str::contains("panicked").not())
                .and(predicate::str::contains("backtrace").not()),
        );
}

/// §10: the first stdout line is `listening on HOST:PORT` with the real port; the server
/// serves on that port.
#[test]
fn options_10_listening_line_has_the_real_port() {
    let server = Server::start();
    assert_eq!(server.addr.ip().to_string(), "127.0.0.1");
    assert_ne!(server.addr.port(), 0);
    let _ana = server.join("ana");
}

fn send_signal(server: &Server, signal: &str) {
    let status = Command::new("kill")
        .args(["-s", signal, &server.pid().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -s {signal} failed");
}

/// SIGTERM stops the server promptly, even with clients connected.
#[test]
fn signals_sigterm_stops_the_server() {
    let mut server = Server::start();
    let mut ana = server.join("ana");
    let _silent = server.connect();
    send_signal(&server, "TERM");
    let status = server
        .wait_exit()
        .expect("server did not exit after SIGTERM");
    assert!(status.success(), "exit status {status:?}");
    ana.drain_until_closed();
}

/// Ctrl-C (SIGINT) stops the server promptly.
#[test]
fn signals_sigint_stops_the_server() {
    let mut server = Server::start();
    send_signal(&server, "INT");
    let status = server
        .wait_exit()
        .expect("server did not exit after SIGINT");
    assert!(status.success(), "exit status {status:?}");
}

/// A hang-up (the terminal closed) is a termination request too: status 0.
#[test]
fn signals_sighup_stops_the_server() {
    let mut server = Server::start();
    send_signal(&server, "HUP");
    let status = server
        .wait_exit()
        .expect("server did not exit after SIGHUP");
    assert!(status.success(), "exit status {status:?}");
}

/// With nobody reading its log (stderr a pipe whose reader is gone, as after `… | tee log`
/// and Ctrl-C), the server still serves, and SIGTERM still stops it: a log line that cannot
/// be written is dropped, never a panic in the thread that wrote it.
#[test]
fn signals_sigterm_stops_a_server_whose_log_nobody_reads() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let mut child = Command::new(chat_test_support::reference_server_binary())
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("the listening line");
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("not a listening line: {first:?}"))
        .to_owned();
    // Nobody reads the log from now on.
    drop(child.stderr.take());
    let connect = |name: &str| {
        let mut client = std::net::TcpStream::connect(&addr).expect("connect");
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("a read timeout");
        client.write_all(format!("{name}\n").as_bytes()).unwrap();
        client
    };
    // Each join is logged, and the room keeps working: ana is welcomed, then hears beto
    // join.
    let ana = connect("ana");
    let mut heard = String::new();
    let mut ana_lines = BufReader::new(ana.try_clone().unwrap());
    ana_lines.read_line(&mut heard).expect("ana's welcome");
    assert!(heard.starts_with("Bienvenido"), "{heard:?}");
    let _beto = connect("beto");
    while !heard.contains("beto se ha unido al chat") {
        let mut line = String::new();
        let n = ana_lines.read_line(&mut line).expect("ana keeps receiving");
        assert!(
            n > 0,
            "the server closed ana's connection; she heard {heard:?}"
        );
        heard.push_str(&line);
    }
    let status = Command::new("kill")
        .args(["-s", "TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("try_wait") {
            break exit;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("the server ignored SIGTERM once its log could not be written");
        }
        std::thread::sleep(Duration::from_millis(20)); // polling an observable state
    };
    assert!(exit.success(), "exit status {exit:?}");
    let mut rest = String::new();
    let _ = stdout.read_to_string(&mut rest);
}

/// On a terminal, as with `make run`, the address is printed once: the `listening on` line
/// of stdout, not again by the log on the same screen. (With stderr elsewhere, the log has it.)
#[cfg(unix)]
#[test]
fn on_a_terminal_the_address_is_printed_once() {
    use std::io::{Read, Write};
    use std::sync::mpsc;
    use std::time::Instant;

    use portable_pty::{CommandBuilder, PtySize, native_pty_system};

    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("open a pseudo-terminal");
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_reference-server"));
    command.args(["--port", "0"]);
    let mut child = pair.slave.spawn_command(command).expect("start the server");
    drop(pair.slave);
    let mut reader = pair
        .master
        .try_clone_reader()
        .expect("the terminal's output");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0_u8; 4096];
        while let Ok(n @ 1..) = reader.read(&mut buf) {
            if tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + TIMEOUT;
    let mut screen = String::new();
    let mut wait_for = |pattern: &str| {
        while !screen.contains(pattern) {
            let left = deadline.saturating_duration_since(Instant::now());
            let chunk = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {pattern:?} on the terminal: {screen:?}"));
            screen.push_str(&String::from_utf8_lossy(&chunk));
        }
        screen.clone()
    };
    let shown = wait_for("\n");
    let line = shown.lines().next().unwrap_or_default().trim_end();
    let addr = chat_protocol::listening::parse(line)
        .unwrap_or_else(|| panic!("the first line is {line:?}"));
    // A join, logged after the address would have been: the log has caught up.
    let mut ana = std::net::TcpStream::connect(addr).expect("connect");
    ana.write_all(b"ana\n").expect("send the name");
    let shown = wait_for("ana joined");
    let _ = child.kill();
    assert_eq!(shown.matches("listening on").count(), 1, "{shown:?}");
}
