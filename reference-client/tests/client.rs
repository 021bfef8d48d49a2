//! Integration tests of the `reference-client` binary against a scripted fake server
//! (see `support`), so they do not depend on the reference server.
//!
//! - `cli`: arguments, help, and an unreachable server.
//! - `sending`: what reaches the server from piped standard input (name, messages, `salir`).
//! - `receiving`: what the client prints, while typing and after `salir` (INPUT-6, INPUT-7).
//! - `server_close`: the server closing the connection first.
//! - `on_a_terminal`: the client on a pseudo-terminal, as the user sees it (issue 19).
//! - `with_the_reference_server`: two real clients chatting through the real server.

mod support;

use predicates::prelude::*;

use support::{
    FakeServer, Running, client, closed_port, polite_room, port_args, real_server, run_client,
};

mod cli {
    use super::*;

    #[test]
    fn help_describes_the_options() {
        client()
            .arg("--help")
            .assert()
            .success()
            .stdout(predicate::str::contains("--host"))
            .stdout(predicate::str::contains("--port"))
            .stdout(predicate::str::contains("--name"))
            .stdout(predicate::str::contains("8070"));
    }

    #[test]
    fn bad_arguments_are_a_usage_error() {
        for args in [
            &["--bogus"][..],
            &["--port", "not-a-port"],
            &["--port", "70000"],
            &["--name", "   "],
            &["extra"],
        ] {
            client()
                .args(args)
                .assert()
                .code(2)
                .stderr(predicate::str::starts_with("error:"));
        }
    }

    #[test]
    fn unreachable_server_is_one_line_and_status_1() {
        let port = closed_port();
        let output = client()
            .args(["--port", &port.to_string(), "--name", "ana"])
            .env("RUST_BACKTRACE", "1")
            .assert()
            .code(1)
            .stdout("")
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "stderr: {stderr:?}");
        assert!(
            stderr.starts_with(&format!(
                "reference-client: no se puede conectar a 127.0.0.1:{port}: "
            )),
            "stderr: {stderr:?}"
        );
        let lower = stderr.to_lowercase();
        assert!(!lower.contains("panicked") && !lower.contains("backtrace"));
    }
}

mod sending {
    use super::*;

    #[test]
    fn piped_name_messages_and_salir_are_sent_exactly() {
        let server = FakeServer::start(polite_room("ana"));
        run_client(&server, &[], "ana\nhola\n¿qué tal? ñandú 🙂\nsalir\n")
            .success()
            .stdout(predicate::str::starts_with("Nombre de usuario: "))
            .stdout(predicate::str::contains(
                "Bienvenido al chat, ana. Escribe 'salir' para salir.\n",
            ));
        assert_eq!(server.received(), "ana\nhola\n¿qué tal? ñandú 🙂\nsalir\n");
    }

    /// LEAVE-1: ending standard input leaves like `salir`, so the server announces it.
    #[test]
    fn end_of_input_sends_salir() {
        let server = FakeServer::start(polite_room("ana"));
        run_client(&server, &[], "ana\nhola").success();
        assert_eq!(server.received(), "ana\nhola\nsalir\n");
    }

    #[test]
    fn name_flag_skips_the_prompt() {
        let server = FakeServer::start(polite_room("bea"));
        run_client(&server, &["--name", "bea"], "hola\nsalir\n")
            .success()
            .stdout(predicate::str::contains("Nombre de usuario").not());
        assert_eq!(server.received(), "bea\nhola\nsalir\n");
    }

    /// JOIN-1, FRAME-4, QUIT-1: blank answers to the prompt are asked again, blank lines are
    /// not sent, the name is trimmed, `salir` counts with whitespace around it, CRLF input works.
    #[test]
    fn blank_lines_are_skipped_and_salir_is_trimmed() {
        let server = FakeServer::start(polite_room("ana"));
        let typed = "\n  ana  \n\n   \nhola\r\n  salir \t\nnunca\n";
        run_client(&server, &[], typed).success();
        assert_eq!(server.received(), "ana\nhola\nsalir\n");
    }

    #[test]
    fn end_of_input_before_a_name_sends_nothing() {
        let server = FakeServer::start(|peer| peer.read_to_end());
        run_client(&server, &[], "").success().stderr("");
        assert_eq!(server.received(), "");
    }
}

mod receiving {
    use super::*;

    /// The receiver thread prints lines while the main thread is blocked on standard input.
    #[test]
    fn lines_arrive_while_stdin_is_open() {
        let server = FakeServer::start(|peer| {
            peer.expect_line("ana");
            peer.send(b"bea se ha unido al chat\nbea: hola ana\n");
            peer.expect_line("hola bea");
            peer.send(b"bea: chau\n");
            peer.read_until_quit();
        });
        let mut client = Running::named(&server, "ana");
        client.expect_stdout("bea: hola ana");
        client.type_in("hola bea\n");
        client.expect_stdout("bea: chau");
        client.type_in("salir\n");
        let finished = client.finish();
        assert!(finished.status.success(), "{finished:#?}");
        assert_eq!(
            finished.stdout,
            [
                "bea se ha unido al chat\n",
                "bea: hola ana\n",
                "bea: chau\n"
            ]
        );
        assert_eq!(finished.stderr, "");
        assert_eq!(server.received(), "ana\nhola bea\nsalir\n");
    }

    /// After `salir` the client waits for the server to close, so lines in flight still show.
    #[test]
    fn lines_sent_after_salir_are_still_printed() {
        let server = FakeServer::start(|peer| {
            peer.expect_line("ana");
            peer.read_until_quit();
            peer.send(b"Hasta luego, ana\n");
        });
        run_client(&server, &["--name", "ana"], "salir\n")
            .success()
            .stdout("Hasta luego, ana\n");
    }

    /// INPUT-7: a hostile server cannot clear, recolour or ring the user's terminal.
    #[test]
    fn control_characters_are_neutralised() {
        let server = FakeServer::start(|peer| {
            peer.expect_line("ana");
            peer.send(b"eve: \x1b[2J\x1b[31mrojo\x07\x08\rfin\r\n");
            peer.send("eve: \u{9b}c1\n".as_bytes());
            peer.read_until_quit();
        });
        let output = run_client(&server, &["--name", "ana"], "salir\n")
            .success()
            .get_output()
            .clone();
        let stdout = output.stdout;
        for byte in [0x1b, 0x07, 0x08, b'\r'] {
            assert!(!stdout.contains(&byte), "raw {byte:#04x} in {stdout:?}");
        }
        assert_eq!(
            String::from_utf8(stdout).expect("valid UTF-8 on stdout"),
            "eve: \u{FFFD}[2J\u{FFFD}[31mrojo\u{FFFD}\u{FFFD}\u{FFFD}fin\neve: \u{FFFD}c1\n"
        );
    }

    /// INPUT-6, from the client's side: invalid UTF-8 is printed lossily, and later lines too.
    #[test]
    fn invalid_utf8_is_printed_lossily() {
        let server = FakeServer::start(|peer| {
            peer.expect_line("ana");
            peer.send(b"eve: \xff\xfe hola \xe2\x82\n");
            peer.send(b"eve: sigue\n");
            peer.read_until_quit();
        });
        run_client(&server, &["--name", "ana"], "salir\n")
            .success()
            .stdout("eve: \u{FFFD}\u{FFFD} hola \u{FFFD}\neve: sigue\n")
            .stderr("");
    }
}

mod server_close {
    use super::*;

    /// INPUT-2 as the user sees it: the ERROR line, then one brief line, then status 1, even
    /// though standard input is still open.
    #[test]
    fn server_closing_first_is_reported_with_status_1() {
        let server = FakeServer::start(|peer| {
            peer.expect_line("ana");
            peer.send("ERROR: el nombre 'ana' ya está en uso\n".as_bytes());
        });
        let client = Running::named(&server, "ana");
        let finished = client.finish();
        assert_eq!(finished.status.code(), Some(1), "{finished:#?}");
        assert_eq!(finished.stdout, ["ERROR: el nombre 'ana' ya está en uso\n"]);
        assert_eq!(finished.stderr, "conexión cerrada por el servidor\n");
        assert_eq!(server.received(), "ana\n");
    }

    /// The server going away mid-chat, while the user is typing, also ends the client.
    #[test]
    fn server_closing_mid_chat_ends_the_client() {
        let server = FakeServer::start(|peer| {
            peer.expect_line("ana");
            peer.expect_line("hola");
            peer.send(b"bea: adios\n");
        });
        let mut client = Running::named(&server, "ana");
        client.type_in("hola\n");
        let finished = client.finish();
        assert_eq!(finished.status.code(), Some(1), "{finished:#?}");
        assert_eq!(finished.stdout, ["bea: adios\n"]);
        assert_eq!(finished.stderr.lines().count(), 1, "{finished:#?}");
        assert_eq!(server.received(), "ana\nhola\n");
    }
}

mod with_the_reference_server {
    use super::*;

    /// The issue's "done when": two reference clients chat through the reference server.
    #[test]
    fn two_clients_chat_join_and_leave() {
        let server = real_server();
        let mut ana = Running::named_at(port_args(server.port()), "ana");
        ana.expect_stdout("Bienvenido al chat, ana.");
        let mut beto = Running::named_at(port_args(server.port()), "beto");
        beto.expect_stdout("Bienvenido al chat, beto.");
        ana.expect_stdout("beto se ha unido al chat");

        beto.type_in("hola ana\n");
        assert_eq!(ana.expect_stdout("beto:"), "beto: hola ana\n");
        ana.type_in("hola beto, ¿qué tal?\n");
        assert_eq!(beto.expect_stdout("ana:"), "ana: hola beto, ¿qué tal?\n");

        ana.type_in("salir\n");
        beto.expect_stdout("ana ha salido del chat");
        let ana = ana.finish();
        assert!(ana.status.success(), "ana: {ana:?}");
        // End of input quits too: beto's client sends `salir` and exits cleanly.
        beto.close_input();
        let beto = beto.finish();
        assert!(beto.status.success(), "beto: {beto:?}");
        assert!(
            !beto.stdout.iter().any(|l| l.contains("beto:")),
            "no echo: {beto:?}"
        );
    }
}

/// Unix only: the tests read the terminal's settings, which the client restores only there.
#[cfg(unix)]
mod on_a_terminal {
    use std::sync::mpsc;

    use super::*;
    use support::terminal::{PASTE_ON, Terminal, occurrences, rows, screen_text};
    use support::{DEADLINE, Peer, named_args};

    const WELCOME: &str = "Bienvenido al chat, ana. Escribe 'salir' para salir.";
    /// What the server sends: `ESC [2J` would clear the screen.
    const SENT: &[u8] = b"beto: \x1b[2Jinterrumpo\n";
    /// What the client must write instead (INPUT-7)...
    const SHOWN: &str = "beto: \u{FFFD}[2Jinterrumpo";
    /// ... and how the emulator displays it: it shows nothing for U+FFFD.
    const MESSAGE: &str = "beto: [2Jinterrumpo";

    /// Row index of the first row equal to `text`.
    fn row_of(screen: &vt100::Screen, text: &str) -> Option<usize> {
        rows(screen).iter().position(|row| row == text)
    }

    /// The rows that are not blank.
    fn shown(screen: &vt100::Screen) -> Vec<String> {
        rows(screen)
            .into_iter()
            .filter(|row| !row.is_empty())
            .collect()
    }

    /// The fake server's side of ana joining, then waiting until the test says `go`.
    fn welcome_ana_then_wait(peer: &mut Peer, go: &mpsc::Receiver<()>) {
        peer.expect_line("ana");
        peer.send(format!("{WELCOME}\n").as_bytes());
        go.recv_timeout(DEADLINE)
            .expect("the test never told the fake server to go on");
    }

    /// Starts ana's client on a terminal against `server`, and waits until she has been
    /// welcomed and has typed `half` of her first line.
    fn ana_typing(server: &FakeServer, half: &str) -> Terminal {
        let mut terminal = Terminal::start(&named_args(server.port_args(), "ana"), "xterm");
        terminal.wait_for("the welcome", |screen| row_of(screen, WELCOME).is_some());
        terminal.wait_for_editor(1);
        terminal.type_in(half);
        terminal.wait_for("the half-typed line", |screen| {
            row_of(screen, half).is_some()
        });
        terminal
    }

    /// Issue 19: a line that arrives while the user is typing is printed above the half-typed
    /// line, which is redrawn intact below it; the finished line is sent whole. The escape in
    /// the message stays neutralised (INPUT-7): the screen is not cleared.
    #[test]
    fn a_message_arriving_mid_line_goes_above_the_line_being_typed() {
        let (deliver, delivery) = mpsc::channel::<()>();
        let server = FakeServer::start(move |peer| {
            welcome_ana_then_wait(peer, &delivery);
            peer.send(SENT);
            peer.expect_line("hola mundo");
            peer.read_until_quit();
        });
        let mut terminal = ana_typing(&server, "hola mu");
        deliver.send(()).expect("the fake server is waiting");
        // The editor clears the line, prints the message and redraws the line in separate
        // writes (which a real terminal shows at once): wait for the whole picture.
        terminal.wait_for(
            "the message above the half-typed line, redrawn intact with the cursor at its end",
            |screen| {
                let (message, typed) = (row_of(screen, MESSAGE), row_of(screen, "hola mu"));
                matches!((message, typed), (Some(m), Some(t))
                    if m < t && usize::from(screen.cursor_position().0) == t)
                    && screen.cursor_position().1 == 7
            },
        );

        terminal.type_in("ndo\r");
        terminal.wait_for("the finished line", |screen| {
            row_of(screen, "hola mundo").is_some()
        });
        terminal.wait_for_editor(2);
        terminal.type_in("salir\r");
        let exited = terminal.wait_exit();
        let screen = screen_text(&exited.screen);
        assert_eq!(exited.code, 0, "{screen}");
        assert!(exited.restored, "the terminal was left in raw mode");
        assert_eq!(server.received(), "ana\nhola mundo\nsalir\n");
        assert_eq!(
            shown(&exited.screen),
            [WELCOME, MESSAGE, "hola mundo", "salir"],
            "{screen}"
        );
        let output = String::from_utf8_lossy(&exited.output);
        assert!(output.contains(SHOWN), "{output:?}");
        assert!(!output.contains("\x1b[2J"), "{output:?}");
    }

    /// The server closing while the user is typing ends the client with status 1, as with
    /// piped input, and leaves the terminal as it found it: its settings back (not in raw
    /// mode), bracketed paste off, and the message on a line of its own.
    #[test]
    fn the_server_closing_mid_line_leaves_the_terminal_as_it_was() {
        let (close, closing) = mpsc::channel::<()>();
        let server = FakeServer::start(move |peer| welcome_ana_then_wait(peer, &closing));
        let terminal = ana_typing(&server, "hola mu");
        close.send(()).expect("the fake server is waiting");
        let exited = terminal.wait_exit();
        let screen = screen_text(&exited.screen);
        assert_eq!(exited.code, 1, "{screen}");
        assert!(exited.restored, "the terminal was left in raw mode");
        assert!(!exited.screen.bracketed_paste(), "bracketed paste left on");
        assert_eq!(
            shown(&exited.screen),
            [WELCOME, "hola mu", "conexión cerrada por el servidor"],
            "{screen}"
        );
        assert_eq!(server.received(), "ana\n");
    }

    /// A terminal the editor cannot drive (`TERM=dumb`) gets the seed's plain lines: the
    /// terminal itself echoes what is typed, and the chat works as with piped input.
    #[test]
    fn a_dumb_terminal_gets_plain_lines() {
        let server = FakeServer::start(|peer| {
            peer.expect_line("ana");
            peer.send(b"beto: hola\n");
            peer.expect_line("hola beto");
            peer.read_until_quit();
        });
        let mut terminal = Terminal::start(&named_args(server.port_args(), "ana"), "dumb");
        terminal.wait_for("beto's line", |screen| {
            row_of(screen, "beto: hola").is_some()
        });
        terminal.type_in("hola beto\rsalir\r");
        let exited = terminal.wait_exit();
        let screen = screen_text(&exited.screen);
        assert_eq!(exited.code, 0, "{screen}");
        assert_eq!(
            shown(&exited.screen),
            ["beto: hola", "hola beto", "salir"],
            "{screen}"
        );
        assert!(
            occurrences(&exited.output, PASTE_ON) == 0,
            "the line editor was used"
        );
        assert_eq!(server.received(), "ana\nhola beto\nsalir\n");
    }
}
