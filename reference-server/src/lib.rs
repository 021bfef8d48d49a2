//! The reference group-chat server: the classic Python course design — a `ChatServer`
//! accepting connections, one `ClientHandler` thread per client, a list of clients behind a
//! `threading.Lock` — rendered in Rust and made robust. PROTOCOL.md is the contract.
//!
//! Where to find the seed's parts:
//!
//! | Python seed                              | here                                           |
//! |------------------------------------------|------------------------------------------------|
//! | `ChatServer`, `start()`, `accept()` loop | [`chat_server`]: [`ChatServer::run`]           |
//! | `ClientHandler(threading.Thread).run()`  | [`client_handler`]: [`ClientHandler::run`]     |
//! | `self.clients` + `clients_lock`          | [`room`]: [`Room`] (one `Mutex`)               |
//! | `broadcast()` (`sendall` under the lock) | [`Room::broadcast`] + [`outbox`] (queue) + [`writer`] (thread) |
//! | `finally: remove, announce, close`       | `Departure`'s `Drop` in [`client_handler`]     |
//! | `conn.recv(1024).decode()`               | [`line_reader`]: [`LineReader`]                |
//! | the name: the first `recv(1024)`         | [`name_phase`]: [`name_phase::read_name`]      |
//! | `HOST`, `PORT` constants                 | [`config`]: [`Config`] (command line)          |
//! | `if __name__ == "__main__": main()`      | [`mod@serve`]: [`serve()`]                     |
//!
//! And what the seed does not have, because it never meets a flood or a failure:
//!
//! | concern                                          | here                              |
//! |--------------------------------------------------|-----------------------------------|
//! | `--max-clients`: one slot per connection         | [`slots`]: [`Slot`](slots::Slot)  |
//! | refusing a connection with a reason, no thread   | [`turn_away`]                     |
//! | accept errors, running out of file descriptors   | [`accept_errors`]                 |
//! | named threads with a small stack                 | [`threads`]: [`threads::spawn`]   |
//! | a log that never kills a thread (stderr gone)    | [`mod@log`]: [`log!`]             |
//! | Ctrl-C and termination on Unix and Windows       | [`mod@serve`]                     |
//! | a flood: senders slowed down (back-pressure)     | [`outbox`]: water marks           |
//! | a client that stopped reading: `--stall-timeout` | [`writer`]: the send timeout      |
//! | line clients beside the seed's client (no `\n`)  | [`name_phase`]: `--unframed-after` |
//!
//! Imports only point down: `serve` → `chat_server` → `client_handler` → `room` → `outbox`,
//! `client_handler` → `writer` → `outbox`, and `client_handler` → `name_phase` →
//! `line_reader`; the modules at the bottom (`slots`, `threads`, `turn_away`,
//! `accept_errors`, `line_reader`, `config`, `log`) import nothing above them.
//!
//! Try it by hand: `cargo run -p reference-server -- --port 8070`, then in two other
//! terminals `nc 127.0.0.1 8070`, type a name, chat, and type `salir` to leave.

#![warn(missing_docs)]

pub mod accept_errors;
pub mod chat_server;
pub mod client_handler;
pub mod config;
pub mod line_reader;
pub mod log;
pub mod name_phase;
pub mod outbox;
pub mod room;
pub mod serve;
pub mod slots;
pub mod threads;
pub mod turn_away;
pub mod writer;

pub use chat_server::ChatServer;
pub use client_handler::ClientHandler;
pub use config::Config;
pub use line_reader::{Line, LineReader};
pub use outbox::Outbox;
pub use room::Room;
pub use serve::serve;
