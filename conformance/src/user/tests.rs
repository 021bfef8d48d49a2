//! The user against a scripted fake server: held-back events come back in order and still
//! count as received; what the protocol orders is still checked; own echoes are consumed
//! once, in the order said, only when the profile says the server echoes.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use super::{Timeouts, User};
use crate::profile::Profile;
use crate::session::Session;
use crate::wire::Event;

/// A session whose profile is the reference wording with a welcome `Hola {user}` and the
/// given `echo`, a connected user `ana`, and the server's end of ana's connection.
async fn ana_and_server(echo: bool) -> (Session, User, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let toml = format!("welcome = \"Hola {{user}}\"\necho = {echo}");
    let profile = Arc::new(Profile::parse("test", &toml).unwrap());
    let timeouts = Timeouts {
        expect: Duration::from_millis(300),
        connect: Duration::from_secs(2),
    };
    let s = Session::new(profile, listener.local_addr().unwrap(), timeouts, 1);
    let (ana, accepted) = tokio::join!(s.connect("ana"), listener.accept());
    let ana = ana.unwrap_or_else(|f| panic!("{f}"));
    (s, ana, accepted.unwrap().0)
}

/// The server writes `lines`, each ended by a newline.
async fn server_writes(server: &mut TcpStream, lines: &[String]) {
    for line in lines {
        server
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_join_before_the_welcome_is_held_and_read_next() {
    let (s, mut ana, mut server) = ana_and_server(false).await;
    let beto = s.declare("beto");
    let carla = s.declare("carla");
    let lines = [
        format!("{beto} se ha unido al chat"),
        format!("{carla}: hola"),
        format!("Hola {}", ana.wire),
    ];
    server_writes(&mut server, &lines).await;
    ana.expect_welcome().await.unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(ana.next().await.unwrap(), Event::join(&beto));
    ana.expect(&Event::chat(&carla, "hola")).await.unwrap();
}

#[tokio::test]
async fn held_events_are_still_received_before_a_barrier() {
    let (s, mut ana, mut server) = ana_and_server(false).await;
    let beto = s.declare("beto");
    let lines = [
        format!("{beto} se ha unido al chat"),
        format!("Hola {}", ana.wire),
        format!("{beto}: sync-1"),
    ];
    server_writes(&mut server, &lines).await;
    ana.expect_welcome().await.unwrap();
    let before = ana.collect_until(&Event::chat(&beto, "sync-1")).await;
    assert_eq!(before.unwrap(), vec![Event::join(&beto)]);
}

#[tokio::test]
async fn what_the_protocol_orders_is_not_held() {
    let (s, mut ana, mut server) = ana_and_server(false).await;
    let beto = s.declare("beto");
    let lines = [format!("{beto}: 2"), format!("{beto}: 1")];
    server_writes(&mut server, &lines).await;
    let failure = ana.expect(&Event::chat(&beto, "1")).await.unwrap_err();
    assert_eq!(failure.actual, "ana received CHAT beto 2");
}

#[tokio::test]
async fn a_line_about_nobody_is_not_held_and_is_marked() {
    let (_s, mut ana, mut server) = ana_and_server(false).await;
    let lines = [
        "None ha salido del chat".to_string(),
        format!("Hola {}", ana.wire),
    ];
    server_writes(&mut server, &lines).await;
    let failure = ana.expect_welcome().await.unwrap_err();
    assert_eq!(
        failure.actual,
        "ana received LEAVE None (unattributed: no user of this test is called that)"
    );
}

#[tokio::test]
async fn own_echoes_are_taken_once_in_order_when_the_profile_echoes() {
    let (s, mut ana, mut server) = ana_and_server(true).await;
    let beto = s.declare("beto");
    ana.say("uno").await.unwrap();
    ana.say("dos").await.unwrap();
    let me = ana.wire.clone();
    let lines = [
        format!("{me}: uno"),
        format!("{beto}: hola"),
        format!("{me}: dos"),
        format!("{me}: dos"),
    ];
    server_writes(&mut server, &lines).await;
    // Neither echo stands in the way of beto's line, nor is it counted as received.
    ana.expect(&Event::chat(&beto, "hola")).await.unwrap();
    ana.expect_own_echoes()
        .await
        .unwrap_or_else(|f| panic!("{f}"));
    // A second copy is no awaited echo: the test sees it.
    assert_eq!(ana.next().await.unwrap(), Event::chat(&me, "dos"));
}

#[tokio::test]
async fn an_echo_out_of_order_or_missing_fails() {
    let (_s, mut ana, mut server) = ana_and_server(true).await;
    ana.say("uno").await.unwrap();
    ana.say("dos").await.unwrap();
    let me = ana.wire.clone();
    server_writes(&mut server, &[format!("{me}: dos")]).await;
    let failure = ana.expect_own_echoes().await.unwrap_err();
    assert!(
        failure.actual == "ana's own \"dos\" came back before the earlier \"uno\"",
        "{}",
        failure.actual
    );
    ana.say("tres").await.unwrap();
    let failure = ana.expect_own_echoes().await.unwrap_err();
    assert!(
        failure
            .actual
            .starts_with("ana's own \"uno\" never came back: nothing within"),
        "{}",
        failure.actual
    );
}

#[tokio::test]
async fn without_echo_in_the_profile_an_echo_reaches_the_test() {
    let (_s, mut ana, mut server) = ana_and_server(false).await;
    ana.say("uno").await.unwrap();
    let me = ana.wire.clone();
    server_writes(&mut server, &[format!("{me}: uno")]).await;
    ana.expect_own_echoes().await.unwrap();
    assert_eq!(ana.next().await.unwrap(), Event::chat(&me, "uno"));
}

#[tokio::test]
async fn an_own_join_line_after_someone_elses_is_found_and_the_other_kept() {
    // announce_self: the joiner's own join line may follow a concurrent joiner's.
    let (s, mut ana, mut server) = ana_and_server(false).await;
    let beto = s.declare("beto");
    let me = ana.wire.clone();
    let lines = [
        format!("Hola {me}"),
        format!("{beto} se ha unido al chat"),
        format!("{me} se ha unido al chat"),
    ];
    server_writes(&mut server, &lines).await;
    ana.expect_welcome().await.unwrap();
    ana.expect(&Event::join(&me))
        .await
        .unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(ana.next().await.unwrap(), Event::join(&beto));
}

#[tokio::test]
async fn a_barrier_sent_on_a_connection_the_server_closed_says_so() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let profile = Arc::new(Profile::reference());
    let timeouts = Timeouts {
        expect: Duration::from_millis(300),
        connect: Duration::from_secs(2),
    };
    let s = Session::new(profile, listener.local_addr().unwrap(), timeouts, 1);
    let (ana, accepted) = tokio::join!(s.connect("ana"), listener.accept());
    let (mut ana, _ana_end) = (ana.unwrap(), accepted.unwrap().0);
    let (beto, accepted) = tokio::join!(s.connect("beto"), listener.accept());
    let mut beto = beto.unwrap();
    drop(accepted.unwrap().0); // the server closes beto's connection
    // Synchronise on the close itself: beto's inbox reports it.
    beto.expect_closed().await.unwrap_or_else(|f| panic!("{f}"));
    assert!(beto.ended_early().is_some());
    let failure = s.barrier(&mut beto, &mut [&mut ana]).await.unwrap_err();
    assert!(
        failure.actual.starts_with(
            "beto's connection had ended, so its sentinel could not be delivered (the server \
             closed the connection); "
        ),
        "{}",
        failure.actual
    );
}

/// A reader and its decoder against scripted reads, no socket: lines split anywhere (in the
/// middle of a multi-byte character too) and glued together come out whole and in order, a
/// read error ends the stream as a broken connection, and nothing is delivered twice.
#[tokio::test]
async fn the_reader_reassembles_scripted_partial_reads_until_an_error() {
    use std::io::{Error, ErrorKind};

    use tokio::sync::{Semaphore, mpsc};

    use super::{INBOX_BYTES, Incoming, Reader, Watch};

    let profile = Arc::new(Profile::reference());
    let timeouts = Timeouts {
        expect: Duration::from_millis(300),
        connect: Duration::from_secs(2),
    };
    let s = Session::new(profile, "127.0.0.1:9".parse().unwrap(), timeouts, 1);
    let beto = s.declare("beto");
    let carla = s.declare("carla");
    let stream = format!(
        "{beto} se ha unido al chat\n{beto}: ñandú 🙂\r\n{carla}: hola\n{beto} ha salido del chat\n"
    );
    let bytes = stream.as_bytes();
    let smile = stream.find('🙂').unwrap();
    let glued = stream.find(&format!("{carla}:")).unwrap() + 3;
    let mock = tokio_test::io::Builder::new()
        .read(&bytes[..5])
        .read(&bytes[5..smile + 2])
        .read(&bytes[smile + 2..glued])
        .read(&bytes[glued..])
        .read_error(Error::new(
            ErrorKind::ConnectionReset,
            "reset by the script",
        ))
        .build();
    let (tx, mut rx) = mpsc::channel(16);
    let budget = Arc::new(Semaphore::new(INBOX_BYTES));
    let watch = Arc::new(Watch::default());
    let reader = Reader::new(&s.shared, "ana", "ana", tx, &budget, &watch);
    reader.run(mock).await;

    let mut got = Vec::new();
    while let Some((incoming, _)) = rx.recv().await {
        got.push(incoming);
    }
    assert_eq!(
        got,
        [
            Incoming::Event(Event::join(&beto)),
            Incoming::Event(Event::chat(&beto, "ñandú 🙂")),
            Incoming::Event(Event::chat(&carla, "hola")),
            Incoming::Event(Event::leave(&beto)),
            Incoming::Broken("reset by the script".to_owned()),
        ]
    );
}
