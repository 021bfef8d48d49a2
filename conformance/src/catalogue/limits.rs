//! `limits`: many connections that never send a name leave everyone else unaffected
//! (LIMIT-1, JOIN-6).

use tokio::net::TcpStream;
use tokio::time::timeout;

use super::support::nothing_else;
use crate::case::TestCase;
use crate::model::Direction;
use crate::verdict::Failure;
use crate::wire::Event;

/// The group, in the order the tests run.
pub fn tests() -> Vec<TestCase> {
    vec![connection_flood()]
}

/// Connections that never send a name.
const SILENT: usize = 300;
/// Connections opened at once.
const BATCH: usize = 50;

fn connection_flood() -> TestCase {
    TestCase::strict(
        "limits.connection_flood",
        "LIMIT-1",
        "300 connections that never send a name do not affect ana and beto",
    )
    .steps(
        "300 connections are opened, 50 at a time, and never send anything (the server may \
         refuse some: an error line and a close, or a refused connection); then ana and beto \
         join and exchange a message each way, with nothing else before sentinels; the 300 \
         connections are then closed and ana and beto exchange one more message.",
    )
    .causes(
        "the name is read in the accept loop, so one silent client blocks every later accept \
         (JOIN-6); a small listen backlog with a slow accept loop; a thread pool smaller than \
         the number of connections, so named users wait for a free thread; a connection limit \
         implemented by not accepting (connections hang) instead of an error line and a \
         close.",
    )
    .run(|s| async move {
        let addr = s.shared.addr;
        let connect = s.shared.timeouts.connect;
        let mut silent: Vec<TcpStream> = Vec::with_capacity(SILENT);
        let (mut refused, mut unanswered) = (0, 0);
        for _ in 0..SILENT / BATCH {
            let attempts = (0..BATCH).map(|_| timeout(connect, TcpStream::connect(addr)));
            for attempt in futures::future::join_all(attempts).await {
                match attempt {
                    Ok(Ok(stream)) => silent.push(stream),
                    Ok(Err(_)) => refused += 1,
                    Err(_) => unanswered += 1,
                }
            }
            if unanswered > 0 {
                break; // the server has stopped accepting: no point in waiting for more
            }
        }
        s.shared.transcript.record(
            "-",
            Direction::Event,
            &format!(
                "{} silent connections open ({refused} refused, {unanswered} not answered \
                 within {connect:?})",
                silent.len()
            ),
        );
        // While the silent connections are open, every failure says so.
        let under_load = |f: Failure| {
            let actual = if unanswered > 0 {
                format!(
                    "{} ({unanswered} of the silent connections were never accepted either)",
                    f.actual
                )
            } else {
                f.actual
            };
            Failure::new(
                format!(
                    "{} (with {} connections open that never sent a name)",
                    f.expected,
                    silent.len()
                ),
                actual,
            )
        };
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await.map_err(under_load)?;
        ana.say("¿hay alguien?").await.map_err(under_load)?;
        beto.expect(&Event::chat(&ana, "¿hay alguien?"))
            .await
            .map_err(under_load)?;
        beto.say("aquí estoy").await.map_err(under_load)?;
        ana.expect(&Event::chat(&beto, "aquí estoy"))
            .await
            .map_err(under_load)?;
        // Only the barriers' own failures are "under load": `sees_nothing` would not say so.
        let when = "while the silent connections are open";
        let before = s
            .barrier(&mut ana, &mut [&mut beto])
            .await
            .map_err(under_load)?;
        nothing_else(&beto, &before[0], when)?;
        let before = s
            .barrier(&mut beto, &mut [&mut ana])
            .await
            .map_err(under_load)?;
        nothing_else(&ana, &before[0], when)?;

        let count = silent.len();
        drop(silent);
        s.shared.transcript.record(
            "-",
            Direction::Event,
            &format!("the {count} silent connections close"),
        );
        ana.say("¿siguen ahí?").await?;
        beto.expect(&Event::chat(&ana, "¿siguen ahí?")).await?;
        let when = "after the silent connections closed";
        s.sees_nothing(&mut beto, &mut [&mut ana], when).await?;
        Ok(())
    })
}
