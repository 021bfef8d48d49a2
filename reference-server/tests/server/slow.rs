//! Slow readers: SLOW-1 (the seed's weak spot: it writes to every socket under its lock).

use std::io::Write;
use std::sync::mpsc;
use std::thread;

use chat_protocol::wording;

use crate::support::{Server, TestClient, barrier, barrier_each_way};

/// ana (who will stop reading), bob (sends) and eve (reads) in the room, all joins seen.
/// `ana_rcvbuf` shrinks ana's socket receive buffer, so her backlog reaches the server sooner.
fn trio(server: &Server, ana_rcvbuf: Option<usize>) -> (TestClient, TestClient, TestClient) {
    let mut ana = match ana_rcvbuf {
        Some(size) => server.connect_with_recv_buffer("ana", size),
        None => server.connect_as("ana"),
    };
    ana.send_line("ana");
    ana.expect_line(&wording::welcome_line("ana"));
    let bob = server.join("bob");
    let eve = server.join("eve");
    // ana reads these two now; from here on she never reads again.
    ana.expect_line(&wording::join_line("bob"));
    ana.expect_line(&wording::join_line("eve"));
    (ana, bob, eve)
}

/// SLOW-1: a user who never reads does not stall the others: bob sends 16 MB of chat while
/// ana reads nothing, and eve receives all of it, in order. The server holds bob back while
/// ana's queue is full, drops ana once she has taken nothing for the stall timeout (2 s),
/// and announces that once.
///
/// bob stays at most `WINDOW` lines ahead of eve, so that eve, a reader who keeps up, is
/// never the one who looks slow however busy the test machine is.
#[test]
fn slow_1_a_user_who_stops_reading_stalls_nobody() {
    const LINES: usize = 4000;
    const WINDOW: usize = 32;
    let server = Server::start();
    let (ana, mut bob, mut eve) = trio(&server, None);
    bob.expect_line(&wording::join_line("eve"));
    let text = "s".repeat(4000);

    let (credit, credits) = mpsc::sync_channel::<()>(WINDOW);
    let mut stream = bob.stream().try_clone().expect("clone socket");
    let payload = format!("{text}\n");
    let sender = thread::spawn(move || {
        for _ in 0..LINES {
            credit.send(()).expect("eve's side ended early");
            stream.write_all(payload.as_bytes()).expect("bob writes");
        }
    });
    let mut leaves = 0;
    let mut received = 0;
    while received < LINES {
        let line = eve.next_line();
        if line == wording::leave_line("ana") {
            leaves += 1;
        } else {
            assert_eq!(line, wording::chat_line("bob", &text));
            received += 1;
            credits.recv().expect("one credit per line sent");
        }
    }
    sender.join().expect("sender thread");
    assert!(leaves <= 1, "ana's leave announced {leaves} times");
    if leaves == 1 {
        bob.expect_line(&wording::leave_line("ana"));
    }
    barrier_each_way(&mut bob, &mut eve);
    drop(ana);
}

/// SLOW-1, LEAVE-1, CLEAN-1: with a small `--max-queue`, the user who stops reading is
/// disconnected (her queue fills to its high-water mark, bob is held back, and after the
/// stall timeout she is dropped) and its leave is announced exactly once; everyone else goes
/// on, and the name is free again.
#[test]
fn slow_1_small_queue_disconnects_the_slow_user_once() {
    let server = Server::start_with(&["--max-queue", "65536"]);
    let (mut ana, mut bob, mut eve) = trio(&server, Some(4096));
    bob.expect_line(&wording::join_line("eve"));
    let text = "s".repeat(4000);
    let chat = wording::chat_line("bob", &text);

    // bob and eve in lock step (eve keeps up); ana never reads. Bounded: 64 MB is far more
    // than ana's socket buffers plus her queue can hold.
    let mut leaves = 0;
    for _ in 0..16_000 {
        bob.send_line(&text);
        loop {
            let line = eve.next_line();
            if line == chat {
                break;
            }
            assert_eq!(line, wording::leave_line("ana"));
            leaves += 1;
        }
        if leaves > 0 {
            break;
        }
    }
    assert_eq!(leaves, 1, "ana was never disconnected");
    bob.expect_line(&wording::leave_line("ana"));
    // No second leave, to anyone.
    barrier_each_way(&mut bob, &mut eve);

    // ana's connection was closed by the server.
    ana.drain_until_closed();
    let mut ana = server.join_seen_by("ana", &mut [&mut eve, &mut bob]);
    barrier(&mut ana, &mut eve);
}
