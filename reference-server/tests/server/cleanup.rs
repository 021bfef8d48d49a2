//! Cleanup: CLEAN-1 … CLEAN-4.

use chat_protocol::wording;

use crate::support::{Server, barrier, barrier_each_way, fd_count, thread_count, wait_for};

/// CLEAN-1: after a leave (by `salir`, FIN or RST) the name can be used again.
#[test]
fn clean_1_name_is_free_again_after_any_leave() {
    let server = Server::start();
    let mut ana = server.join("ana");
    for how in ["salir", "fin", "rst"] {
        let mut bob = server.join_seen_by("bob", &mut [&mut ana]);
        match how {
            "salir" => bob.send_line("salir"),
            "fin" => bob.close(),
            _ => bob.reset(),
        }
        ana.expect_line(&wording::leave_line("bob"));
    }
    let mut bob = server.join_seen_by("bob", &mut [&mut ana]);
    barrier_each_way(&mut bob, &mut ana);
}

/// CLEAN-2: after departures the room keeps working for everyone else: no ghost member
/// whose failed write breaks later broadcasts.
#[test]
fn clean_2_room_keeps_working_after_departures() {
    let server = Server::start();
    let [mut ana, mut eve] = server.room(["ana", "eve"]);
    for i in 0..5 {
        let name = format!("ghost{i}");
        let mut ghost = server.join_seen_by(&name, &mut [&mut ana, &mut eve]);
        ghost.send_raw(b"medio");
        ghost.reset();
        ana.expect_line(&wording::leave_line(&name));
        eve.expect_line(&wording::leave_line(&name));
        for _ in 0..3 {
            ana.say_to("sigo aqui", &mut [&mut eve]);
        }
    }
    barrier(&mut eve, &mut ana);
}

/// CLEAN-3, CLEAN-4: 200 connect/leave cycles, abrupt and clean, named and unnamed: the
/// server still accepts and delivers, and its threads and file descriptors return to their
/// idle baseline.
#[test]
fn clean_3_4_hundreds_of_abrupt_leaves_return_to_baseline() {
    let server = Server::start();
    let pid = server.pid();
    let threads_idle = thread_count(pid).expect("read /proc");
    let fds_idle = fd_count(pid).expect("read /proc");

    let mut watcher = server.join("watcher");
    for i in 0..200 {
        match i % 4 {
            0 => server.connect().reset(),
            1 => {
                let mut c = server.connect();
                c.send_raw(b"a medio");
                c.close();
            }
            2 => {
                let name = format!("rst{i}");
                let mut c = server.join(&name);
                c.send_raw(b"linea a medias");
                c.reset();
                watcher.expect_line(&wording::join_line(&name));
                watcher.expect_line(&wording::leave_line(&name));
            }
            _ => {
                let name = format!("fin{i}");
                let c = server.join(&name);
                c.close();
                watcher.expect_line(&wording::join_line(&name));
                watcher.expect_line(&wording::leave_line(&name));
            }
        }
    }

    // CLEAN-3: still accepting, still delivering.
    let mut ana = server.join_seen_by("ana", &mut [&mut watcher]);
    barrier_each_way(&mut ana, &mut watcher);
    ana.send_line("salir");
    watcher.expect_line(&wording::leave_line("ana"));
    ana.expect_closed();
    watcher.send_line("salir");
    watcher.expect_closed();

    // CLEAN-4: back to the idle baseline (polled with a bounded deadline).
    let threads = wait_for(threads_idle, || thread_count(pid).unwrap_or(0));
    assert_eq!(
        threads, threads_idle,
        "threads: idle {threads_idle}, now {threads}"
    );
    let fds = wait_for(fds_idle, || fd_count(pid).unwrap_or(0));
    assert_eq!(fds, fds_idle, "fds: idle {fds_idle}, now {fds}");
}
