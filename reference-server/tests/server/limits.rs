//! Limits and scale: LIMIT-1, LIMIT-2, SCALE-1, SCALE-2.

use std::time::Instant;

use chat_protocol::wording;

use crate::support::{Server, TIMEOUT, TestClient, barrier, barrier_each_way};

/// LIMIT-1: with `--max-clients 2`, a third connection gets `ERROR: servidor lleno …` and is
/// closed; the two present are unaffected.
#[test]
fn limit_1_third_client_is_turned_away() {
    let server = Server::start_with(&["--max-clients", "2"]);
    let [mut ana, mut bob] = server.room(["ana", "bob"]);

    let mut third = server.connect();
    third.expect_refused("servidor lleno (2 clientes)");
    let mut eager = server.connect();
    eager.send_line("eve"); // sends its name before reading: still a clean refusal
    eager.expect_refused("servidor lleno (2 clientes)");

    barrier_each_way(&mut ana, &mut bob);
}

/// LIMIT-1: connections count whether or not they have sent a name; once one leaves, a new
/// client gets in.
#[test]
fn limit_1_unnamed_connections_count_and_slots_are_freed() {
    let server = Server::start_with(&["--max-clients", "2"]);
    let mut ana = server.join("ana");
    let silent = server.connect();
    let mut third = server.connect();
    third.expect_refused("servidor lleno (2 clientes)");

    silent.close();
    // The slot is freed when the silent client's handler has ended: retry, bounded.
    let deadline = Instant::now() + TIMEOUT;
    let mut bob = loop {
        let mut bob = server.connect_as("bob");
        bob.send_line("bob");
        let first = bob.next_line();
        if first == wording::welcome_line("bob") {
            break bob;
        }
        assert_eq!(first, wording::error_line("servidor lleno (2 clientes)"));
        assert!(Instant::now() < deadline, "the slot was never freed");
        std::thread::yield_now();
    };
    ana.expect_line(&wording::join_line("bob"));
    barrier(&mut bob, &mut ana);
}

/// LIMIT-2, FRAME-5: with the detection of unframed clients on (the default), the name
/// timeout meets only a client that sent nothing at all: one that sent a name without a line
/// end and then paused is served as unframed, under that name.
#[test]
fn limit_2_with_the_detection_on_only_silence_times_out() {
    let server = Server::start_with(&["--name-timeout", "1"]);
    let mut silent = server.connect();
    let mut partial = server.connect_as("ana");
    partial.send_raw(b"an");
    partial.send_raw(b"a");
    partial.expect_line(&wording::welcome_line("ana"));
    silent.expect_refused("no se ha recibido ningún nombre en 1 s");
    let mut beto = server.join_seen_by("beto", &mut [&mut partial]);
    barrier_each_way(&mut partial, &mut beto);
}

/// LIMIT-2: with the detection off (`--unframed-after 0`), a name started but never finished
/// times out too (trickling bytes does not extend the deadline), and the error and the log
/// say how many bytes arrived without a line end.
#[test]
fn limit_2_with_the_detection_off_a_partial_name_is_told_its_bytes() {
    let server = Server::start_with(&["--name-timeout", "1", "--unframed-after", "0"]);
    let mut silent = server.connect();
    let mut partial = server.connect();
    partial.send_raw(b"an");
    partial.send_raw(b"a");
    silent.expect_refused("no se ha recibido ningún nombre en 1 s");
    partial.expect_refused(
        "no se ha recibido ningún nombre en 1 s (llegaron 3 bytes sin fin de línea)",
    );
    let logged = server
        .log()
        .wait_for(&["3 bytes arrived without a line end"], TIMEOUT);
    assert!(logged.contains("--unframed-after 0"), "{logged:?}");
}

/// LIMIT-2: a quiet time longer than the name timeout never ends before it, so a partial
/// name is answered as with the detection off, and the log says why.
#[test]
fn limit_2_a_quiet_time_past_the_name_timeout_never_unframes() {
    let server = Server::start_with(&["--name-timeout", "1", "--unframed-after", "5000"]);
    let mut partial = server.connect();
    partial.send_raw(b"ana");
    partial.expect_refused(
        "no se ha recibido ningún nombre en 1 s (llegaron 3 bytes sin fin de línea)",
    );
    let logged = server
        .log()
        .wait_for(&["3 bytes arrived without a line end"], TIMEOUT);
    assert!(
        logged.contains("never paused for --unframed-after 5000 ms"),
        "{logged:?}"
    );
}

/// LIMIT-2, SCALE-2: the name timeout only applies before the name: a user that has joined
/// and stays idle past it is kept. (The silent client's timeout is the proof that the time
/// has passed; no sleeping.)
#[test]
fn scale_2_idle_users_are_kept_past_the_name_timeout() {
    let server = Server::start_with(&["--name-timeout", "1"]);
    let [mut ana, mut bob] = server.room(["ana", "bob"]);
    let mut silent = server.connect();
    silent.expect_refused("no se ha recibido ningún nombre en 1 s");
    barrier_each_way(&mut ana, &mut bob);
}

/// SCALE-1: 200 users at once; a broadcast reaches every one of them exactly once.
#[test]
fn scale_1_two_hundred_users() {
    let server = Server::start();
    let mut users: Vec<TestClient> = Vec::new();
    for i in 0..200 {
        users.push(server.join(&format!("user{i:03}")));
    }
    // Each user has seen the joins of everyone after it, in order.
    for (i, user) in users.iter_mut().enumerate() {
        for later in i + 1..200 {
            user.expect_line(&wording::join_line(&format!("user{later:03}")));
        }
    }
    let (first, rest) = users.split_first_mut().expect("users");
    for round in 0..3 {
        let line = first.say(&format!("a todos, ronda {round}"));
        for user in rest.iter_mut() {
            user.expect_line(&line);
        }
    }
    // Nothing else arrived anywhere: a sentinel from the first and from the last user.
    let sentinel = first.say("sentinel-first");
    for user in rest.iter_mut() {
        user.expect_line(&sentinel);
    }
    let (last, others) = rest.split_last_mut().expect("users");
    let sentinel = last.say("sentinel-last");
    first.expect_line(&sentinel);
    for user in others {
        user.expect_line(&sentinel);
    }
}
