//! A flood against a reader who keeps reading: SLOW-2 (back-pressure), with and without a
//! user who never reads (SLOW-1's situation).
//!
//! The scenario, as a user tried it: ana sends 16,000 lines of 1 KB as fast as her client can
//! write; beto reads continuously, in a thread of his own; carla, when present, never reads.
//! Beto must get every line, in order, and stay connected; ana may be slowed down, never
//! dropped; carla may be dropped, her leave announced once.

use std::io::Write;
use std::thread;
use std::time::Duration;

use chat_protocol::wording;

use crate::support::{Server, barrier_each_way};

/// Lines ana sends.
const LINES: usize = 16_000;
/// Lines per write of ana's: she writes as fast as she can, many lines at a time.
const LINES_PER_WRITE: usize = 64;
/// beto's socket receive buffer and most bytes per read.
const READ_SIZE: usize = 16 * 1024;
/// beto's pause after each read.
const READ_PAUSE: Duration = Duration::from_millis(1);

/// ana's `k`-th line: its number, padded to 1 KB.
fn text(k: usize) -> String {
    format!("{k:05} {}", "x".repeat(1018))
}

/// ana floods, beto reads in his own thread; with `sleeper`, carla is in the room and never
/// reads (she must then be dropped: 16 MB is more than her socket buffers and her queue hold,
/// and ana's lines cannot get past her otherwise).
fn flood(sleeper: bool) {
    let server = Server::start();
    let mut ana = server.join("ana");
    // beto reads all the time, but at most 16 KB a millisecond through a small receive
    // buffer: slower than ana writes, like the Python client of the report.
    let mut beto = server.connect_with_recv_buffer("beto", READ_SIZE);
    beto.send_line("beto");
    beto.expect_line(&wording::welcome_line("beto"));
    ana.expect_line(&wording::join_line("beto"));
    beto.read_slowly(READ_SIZE, READ_PAUSE);
    let carla = sleeper.then(|| server.join_seen_by("carla", &mut [&mut ana, &mut beto]));
    let carla_left = wording::leave_line("carla");

    let reader = thread::spawn({
        let carla_left = carla_left.clone();
        move || {
            let mut leaves = 0;
            for k in 0..LINES {
                let mut line = beto.next_line();
                while line == carla_left {
                    leaves += 1;
                    line = beto.next_line();
                }
                assert!(
                    line == wording::chat_line("ana", &text(k)),
                    "beto: line {k} of ana's is not the next one: got {:.40}…",
                    line
                );
            }
            (beto, leaves)
        }
    });
    let mut stream = ana.stream().try_clone().expect("clone ana's socket");
    let writer = thread::spawn(move || {
        for first in (0..LINES).step_by(LINES_PER_WRITE) {
            let chunk: String = (first..LINES.min(first + LINES_PER_WRITE))
                .map(|k| text(k) + "\n")
                .collect();
            stream.write_all(chunk.as_bytes()).expect("ana writes");
        }
    });
    let (mut beto, leaves) = reader.join().expect("beto receives every line, in order");
    writer.join().expect("ana's writes all go through");

    if let Some(mut carla) = carla {
        assert!(leaves <= 1, "carla's leave reached beto {leaves} times");
        if leaves == 0 {
            beto.expect_line(&carla_left);
        }
        ana.expect_line(&carla_left);
        carla.drain_until_closed();
    } else {
        assert_eq!(leaves, 0);
    }
    // Both still connected, and nothing else arrived (no second leave, nothing lost).
    barrier_each_way(&mut ana, &mut beto);
}

/// SLOW-2: ana floods 16 MB, beto reads continuously: beto gets it all, in order, and stays;
/// ana is slowed down, not dropped.
#[test]
fn slow_2_a_reader_who_keeps_reading_gets_a_whole_flood() {
    flood(false);
}

/// SLOW-2, SLOW-1, LEAVE-1: the same with carla, who never reads: she holds the room back for
/// at most the stall timeout, is dropped and announced once; beto still gets everything.
#[test]
fn slow_2_a_reader_gets_a_whole_flood_beside_a_user_who_never_reads() {
    flood(true);
}
