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
