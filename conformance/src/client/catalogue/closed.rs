//! The server closes the connection: the client says so, does not spin, and (strict) exits
//! on its own.

use std::time::Duration;

use super::{ClientTest, core, strict};
use crate::client::cpu::{IDLE_SHARE, share_over};
use crate::client::session::{Client, ClientSession};
use crate::verdict::{Failure, Outcome, Verdict};

/// The tests of this group.
pub fn tests() -> Vec<ClientTest> {
    vec![says_so(), no_spin(), exits()]
}

/// Joins, and closes the connection once the client is idle; returns the client and the
/// rows its screen showed just before.
async fn closed_on(s: &ClientSession) -> Result<(Client, Vec<String>), Failure> {
    let mut client = s.join().await?;
    let before = client.screen().look(|d| d.rows());
    client.take_peer()?.close().await;
    Ok((client, before))
}

fn says_so() -> ClientTest {
    core(
        "closed.says_so",
        "CLIENT-6",
        "when the server closes, the client says so",
    )
    .steps(
        "ana joins; the server closes the connection; the screen must show a new line \
             (any wording), and no traceback",
    )
    .causes(
        "a receiver that ends silently on `recv()` returning nothing (b\"\"), so the user \
             goes on typing into a dead chat; a receiver that raises on the empty message \
             (an index, a decode, a split) and dies with a traceback; a loop that prints \
             empty lines",
    )
    .run(|s| async move {
        let (client, before) = closed_on(&s).await?;
        let said = client
            .wait_screen(
                "a new line on the screen says the connection is closed",
                |d| {
                    d.rows()
                        .iter()
                        .any(|row| !row.trim().is_empty() && !before.contains(row))
                },
            )
            .await;
        // What the client prints in one go (a traceback after its first line) is all there
        // before it is judged.
        let bound = client.timeouts.expect;
        client.screen().settle(bound / 4, bound).await;
        client.no_traceback("the client says the server closed the connection")?;
        said?;
        Ok(())
    })
}

/// How long the client's CPU use is measured once it has had time to notice the close.
const WINDOW: Duration = Duration::from_secs(1);

fn no_spin() -> ClientTest {
    core(
        "closed.no_spin",
        "CLIENT-6",
        "when the server closes, the client does not spin",
    )
    .steps(
        "ana joins; the server closes the connection; once the screen has changed (or \
             after the expectation bound), the CPU the client's processes ask for is measured \
             for one second: it must stay under 30 % of one core (or the client has exited)",
    )
    .causes(
        "a receiver loop that goes on calling recv() after it returned nothing (b\"\" in \
             Python: the end of the connection, not an empty message), `continue` instead of \
             `break`, or an `except: pass` around it",
    )
    .run(|s| async move {
        let (client, before) = closed_on(&s).await?;
        let _ = client
            .wait_screen("", |d| {
                d.closed || d.rows().iter().any(|row| !before.contains(row))
            })
            .await;
        spin_verdict(&client).await
    })
}

/// Fails when the client (still running) asks for more than [`IDLE_SHARE`] of a core.
async fn spin_verdict(client: &Client) -> Outcome {
    let Some(pid) = client.pid() else {
        return Err(Verdict::Skip("the client's process id is unknown".into()));
    };
    if client.exited().is_some() {
        return Ok(());
    }
    match share_over(pid, WINDOW).await {
        Some(share) if share > IDLE_SHARE && client.exited().is_none() => Err(Failure::new(
            format!(
                "after the close the client uses under {:.0} % of one core",
                IDLE_SHARE * 100.0
            ),
            format!(
                "it asked for {:.0} % of one core over {WINDOW:?}: a busy loop",
                share * 100.0
            ),
        )
        .into()),
        _ => Ok(()),
    }
}

fn exits() -> ClientTest {
    strict(
        "closed.exits",
        "CLIENT-7",
        "when the server closes, the client exits on its own",
    )
    .steps(
        "ana joins; the server closes the connection; without a key pressed, the client \
             must exit within twice the expectation bound, without a traceback",
    )
    .causes(
        "the receiver thread notices the close but the main thread sits in input() until \
             the user presses Enter (the seed does this): end the input loop from the \
             receiver (os._exit, a signal, or an input that can be interrupted)",
    )
    .run(|s| async move {
        let (client, _) = closed_on(&s).await?;
        let bound = client.timeouts.expect * 2;
        if client.wait_exit(bound).await.is_none() {
            return Err(Failure::new(
                "the client exits on its own after the server closed",
                format!("it was still running {bound:?} later"),
            )
            .into());
        }
        client.no_traceback("the client exits")?;
        Ok(())
    })
}
