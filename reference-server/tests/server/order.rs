//! Ordering under concurrency: ORDER-1, ORDER-2, and FRAME-3 / CHAT-1 with many senders.

use std::collections::HashMap;
use std::sync::{Arc, Barrier};
use std::thread;

use chat_protocol::wording;

use crate::support::Server;

const USERS: usize = 10;
const MESSAGES: usize = 100;
const CHURN: usize = 10;

/// ORDER-1, ORDER-2, CHAT-1, FRAME-3: 10 users send 100 messages each, all at once, while
/// another client joins and leaves 10 times. Every user receives every other user's message
/// exactly once, whole, each sender's in order, and all users see every line (chat, join,
/// leave) in the same relative order.
#[test]
fn order_1_2_concurrent_senders_and_churn() {
    let server = Server::start();
    let names: Vec<String> = (0..USERS).map(|i| format!("u{i}")).collect();
    let clients = server.join_all(&names);
    let start = Arc::new(Barrier::new(USERS + 1));

    let handles: Vec<_> = clients
        .into_iter()
        .map(|mut client| {
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                for j in 0..MESSAGES {
                    client.send_line(&format!("m{j:03} {}", "x".repeat(j * 7)));
                }
                // Everyone else's messages, plus the churn user's joins and leaves.
                let expected = (USERS - 1) * MESSAGES + 2 * CHURN;
                let lines: Vec<String> = (0..expected).map(|_| client.next_line()).collect();
                (client.name.clone(), lines)
            })
        })
        .collect();

    start.wait();
    for _ in 0..CHURN {
        let mut churn = server.join("churn");
        churn.send_line("salir");
        churn.drain_until_closed(); // it may get some chat before its leave is processed
    }

    let results: Vec<(String, Vec<String>)> = handles
        .into_iter()
        .map(|h| h.join().expect("client thread"))
        .collect();

    for (me, lines) in &results {
        // Per sender: exactly the messages 0..MESSAGES, in order (ORDER-1, CHAT-1).
        let mut per_sender: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut churn_lines = Vec::new();
        for line in lines {
            if line.starts_with("churn ") {
                churn_lines.push(line.as_str());
                continue;
            }
            let (sender, text) = line
                .split_once(": m")
                .unwrap_or_else(|| panic!("[{me}] unexpected line {line:?}"));
            let (n, padding) = text.split_once(' ').expect("message shape");
            let n: usize = n.parse().expect("message number");
            // FRAME-3: the line is exactly one whole message, not torn or glued.
            assert_eq!(padding, "x".repeat(n * 7), "[{me}] torn line from {sender}");
            assert_ne!(sender, me, "[{me}] received its own message (CHAT-2)");
            per_sender.entry(sender).or_default().push(n);
        }
        assert_eq!(per_sender.len(), USERS - 1, "[{me}] senders");
        for (sender, numbers) in per_sender {
            let want: Vec<usize> = (0..MESSAGES).collect();
            assert_eq!(
                numbers, want,
                "[{me}] messages from {sender} lost, duplicated or reordered"
            );
        }
        let want_churn: Vec<String> = (0..CHURN)
            .flat_map(|_| [wording::join_line("churn"), wording::leave_line("churn")])
            .collect();
        assert_eq!(churn_lines, want_churn, "[{me}] churn joins and leaves");
    }

    // ORDER-2: any two users agree on the order of every line both of them received.
    for (a, lines_a) in &results {
        for (b, lines_b) in &results {
            let shared = |lines: &[String]| -> Vec<String> {
                let (pa, pb) = (format!("{a}: "), format!("{b}: "));
                lines
                    .iter()
                    .filter(|l| !l.starts_with(&pa) && !l.starts_with(&pb))
                    .cloned()
                    .collect()
            };
            assert!(
                shared(lines_a) == shared(lines_b),
                "{a} and {b} saw the same broadcasts in different orders"
            );
        }
    }
}
