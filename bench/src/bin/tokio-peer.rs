//! `tokio-peer`: an idiomatic tokio broadcast chat server, speaking the reference wording.
//!
//! Why it is here: it is the bench's yardstick. The reference server is thread-based on
//! purpose (it teaches the course's design); the question `make bench` answers is whether
//! that design, done well, costs speed against what a Rust programmer would write today. So
//! this is deliberately *not* tuned: it follows tokio's own chat example
//! (tokio-rs/tokio, examples/chat.rs) — shared state behind one `Mutex`, one task and one
//! unbounded channel per client, each message cloned into every receiver's channel and
//! written with `Framed<_, LinesCodec>` — changed only to speak PROTOCOL.md's wording
//! (welcome line, `salir`, no echo). Like the example, it has no slow-reader protection.
//!
//! ```text
//! tokio-peer [--host 127.0.0.1] [--port 8071]
//! ```
//! The first line on stdout is `listening on HOST:PORT` (`chat_protocol::listening`), as the
//! reference server's, so the same code starts either.

#![warn(missing_docs)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use chat_protocol::{listening, validate_name, wording};
use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, mpsc};
use tokio_util::codec::{Framed, LinesCodec};

type Tx = mpsc::UnboundedSender<String>;
type Rx = mpsc::UnboundedReceiver<String>;

/// The state shared by every connection: who is here, and how to reach them.
struct Shared {
    peers: HashMap<SocketAddr, Tx>,
}

impl Shared {
    /// Sends `message` to every peer but `sender`.
    fn broadcast(&mut self, sender: SocketAddr, message: &str) {
        for (addr, tx) in &self.peers {
            if *addr != sender {
                let _ = tx.send(message.into());
            }
        }
    }
}

/// One connection: its framed socket and the receiving end of its channel.
struct Peer {
    lines: Framed<TcpStream, LinesCodec>,
    rx: Rx,
}

impl Peer {
    /// Registers the connection in `state` and returns it.
    async fn new(state: &Mutex<Shared>, lines: Framed<TcpStream, LinesCodec>) -> Peer {
        let addr = lines.get_ref().peer_addr().ok();
        let (tx, rx) = mpsc::unbounded_channel();
        if let Some(addr) = addr {
            state.lock().await.peers.insert(addr, tx);
        }
        Peer { lines, rx }
    }
}

#[tokio::main]
async fn main() {
    let mut host = "127.0.0.1".to_owned();
    let mut port = "8071".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--host", Some(v)) => host = v,
            ("--port", Some(v)) => port = v,
            _ => {
                eprintln!("usage: tokio-peer [--host HOST] [--port PORT]");
                std::process::exit(2);
            }
        }
    }
    let listener = match TcpListener::bind(format!("{host}:{port}")).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("tokio-peer: cannot listen on {host}:{port}: {e}");
            std::process::exit(1);
        }
    };
    if let Ok(addr) = listener.local_addr() {
        println!("{}", listening::line(addr));
    }
    let state = Arc::new(Mutex::new(Shared {
        peers: HashMap::new(),
    }));
    loop {
        let Ok((stream, addr)) = listener.accept().await else {
            continue;
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            process(state, stream, addr).await;
        });
    }
}

/// One client's whole life: name, join, chat, leave.
async fn process(state: Arc<Mutex<Shared>>, stream: TcpStream, addr: SocketAddr) {
    let _ = stream.set_nodelay(true);
    let mut lines = Framed::new(stream, LinesCodec::new());
    let name = match lines.next().await {
        Some(Ok(line)) => match validate_name(&line, chat_protocol::limits::DEFAULT_MAX_NAME) {
            Ok(name) => name.to_owned(),
            Err(e) => {
                let _ = lines.send(wording::error_line(&e.to_string())).await;
                return;
            }
        },
        _ => return,
    };
    if lines.send(wording::welcome_line(&name)).await.is_err() {
        return;
    }
    let mut peer = Peer::new(&state, lines).await;
    state
        .lock()
        .await
        .broadcast(addr, &wording::join_line(&name));

    loop {
        tokio::select! {
            Some(message) = peer.rx.recv() => {
                if peer.lines.send(&message).await.is_err() {
                    break;
                }
            }
            result = peer.lines.next() => match result {
                Some(Ok(text)) if wording::is_quit(&text) => break,
                Some(Ok(text)) if text.trim().is_empty() => {}
                Some(Ok(text)) => {
                    let message = wording::chat_line(&name, &text);
                    state.lock().await.broadcast(addr, &message);
                }
                Some(Err(_)) | None => break,
            },
        }
    }

    let mut state = state.lock().await;
    state.peers.remove(&addr);
    state.broadcast(addr, &wording::leave_line(&name));
}
