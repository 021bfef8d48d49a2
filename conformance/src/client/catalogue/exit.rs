//! Leaving: the quit word is sent and the client then closes; the end of input ends it
//! cleanly; a server that is not there gets one clear line and a non-zero exit.

use std::time::Duration;

use super::{ClientTest, core, strict};
use crate::client::wire::{Read, shown};
use crate::verdict::{Failure, Verdict};

/// The tests of this group.
pub fn tests() -> Vec<ClientTest> {
    vec![quit_word(), eof(), unreachable()]
}

fn quit_word() -> ClientTest {
    core(
        "exit.quit_word",
        "CLIENT-4",
        "the quit word is sent, then the client closes the connection",
    )
    .steps(
        "ana joins; the user types the quit word (the profile's [client] quit, `salir` by \
             default) and Enter; the server must receive it as a message, and then see the \
             client close the connection (the harness does not close it first)",
    )
    .causes(
        "the loop breaks on `salir` before sending it, so the server sees a drop, not a \
             quit; the socket never closed: no close(), and a receiver thread that is not a \
             daemon keeps the process (and so the connection) alive, blocked in recv()",
    )
    .run(|s| async move {
        let Some(word) = s.profile.client.quit.clone() else {
            return Err(Verdict::Skip(
                "the profile's client has no quit word ([client] quit = \"\")".into(),
            ));
        };
        let mut client = s.join().await?;
        client.type_line(&word).await?;
        let bound = client.timeouts.expect;
        let peer = client.peer()?;
        peer.expect(
            word.as_bytes(),
            &format!("the server receives `{word}`"),
            bound,
        )
        .await?;
        // A client may first wait a little for the server to close (the reference
        // client waits up to 2 s, for lines still in flight).
        let grace = bound * 2 + Duration::from_secs(3);
        match peer.read(grace).await {
            Read::Closed => Ok(()),
            Read::Message(m) => Err(Failure::new(
                format!("after `{word}` the client closes the connection"),
                format!("it sent {} after it", shown(&m)),
            )
            .into()),
            Read::Silent => Err(Failure::new(
                format!("after `{word}` the client closes the connection"),
                format!(
                    "the connection was still open {grace:?} later{}",
                    if client.exited().is_some() {
                        ""
                    } else {
                        ", and the client was still running"
                    }
                ),
            )
            .into()),
        }
    })
}

fn eof() -> ClientTest {
    strict(
        "exit.eof",
        "CLIENT-8",
        "the end of input (Ctrl-D) ends the client cleanly",
    )
    .steps(
        "ana joins; the user presses Ctrl-D on an empty line; the client must exit, \
             after sending the quit word or closing the connection, without a traceback",
    )
    .causes(
        "input() raises EOFError and nothing catches it: a traceback, and the socket \
             left to the operating system; a loop that treats the empty result as a line and \
             spins, or sends empty messages",
    )
    .run(|s| async move {
        let mut client = s.join().await?;
        client.type_eof().await?;
        let bound = client.timeouts.expect * 2;
        let quit = s.profile.client.quit.clone().unwrap_or_default();
        let peer = client.peer()?;
        let mut read = peer.read(bound).await;
        if matches!(&read, Read::Message(m) if !quit.is_empty() && *m == quit.as_bytes()) {
            read = peer.read(bound).await;
        }
        let expected = "after Ctrl-D the client closes the connection (after the quit word, \
                            or not) and exits";
        match read {
            Read::Closed => {}
            Read::Message(m) => {
                return Err(Failure::new(expected, format!("it sent {}", shown(&m))).into());
            }
            Read::Silent => {
                return Err(Failure::new(
                    expected,
                    format!("the connection was still open {bound:?} later"),
                )
                .into());
            }
        }
        if client.wait_exit(bound).await.is_none() {
            return Err(Failure::new(
                expected,
                format!("it closed the connection but was still running {bound:?} later"),
            )
            .into());
        }
        client.no_traceback("the client ends")?;
        Ok(())
    })
}

fn unreachable() -> ClientTest {
    core(
        "exit.unreachable",
        "CLIENT-5",
        "an unreachable server gets one clear line and a non-zero exit",
    )
    .steps(
        "the client is started pointed at a port where nothing listens; the user answers \
         and types the name as usual; the client must exit with a non-zero status, having \
         shown something, without a traceback",
    )
    .causes(
        "connect() raises ConnectionRefusedError and nothing catches it: a traceback instead \
         of a sentence; the error caught but the exit status left at 0; the client waiting \
         for input before it notices",
    )
    .run(|s| async move {
        let mut client = s.start_unreachable().await?;
        // The name is typed as a user would, whether the client asks before or after it
        // tries to connect; a client that has already exited cannot be typed into.
        let _ = client.type_name().await;
        let bound = client.timeouts.expect * 2;
        let expected = "the client exits with a non-zero status, after one clear line";
        let Some(exit) = client.wait_exit(bound).await else {
            return Err(Failure::new(
                expected,
                format!("it was still running {bound:?} after the name was typed"),
            )
            .into());
        };
        client.no_traceback("one clear line")?;
        if exit.code == 0 {
            return Err(Failure::new(expected, "it exited with status 0").into());
        }
        if client
            .screen()
            .look(|d| d.rows().iter().all(|r| r.trim().is_empty()))
        {
            return Err(Failure::new(expected, "it exited without showing anything").into());
        }
        Ok(())
    })
}
