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
//! | `broadcast()` (`sendall` under the lock) | [`Room::broadcast`] + [`outbox`] (queue, writer thread) |
//! | `finally: remove, announce, close`       | `Departure`'s `Drop` in [`client_handler`]     |
//! | `conn.recv(1024).decode()`               | [`line_reader`]: [`LineReader`]                |
//! | `HOST`, `PORT` constants                 | [`config`]: [`Config`] (command line)          |
//!
//! Try it by hand: `cargo run -p reference-server -- --port 8070`, then in two other
//! terminals `nc 127.0.0.1 8070`, type a name, chat, and type `salir` to leave.

pub mod chat_server;
pub mod client_handler;
pub mod config;
pub mod line_reader;
pub mod outbox;
pub mod room;

pub use chat_server::ChatServer;
pub use client_handler::ClientHandler;
pub use config::Config;
pub use line_reader::{Line, LineReader};
pub use outbox::Outbox;
pub use room::Room;
