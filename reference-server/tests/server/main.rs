//! Integration tests of the reference server: real TCP against the built binary, one module
//! per area of PROTOCOL.md. Every test names the requirement id it checks.
//!
//! cli: options, exit codes, the `listening on` line, signals · join: JOIN-* · chat: CHAT-* ·
//! order: ORDER-*, FRAME-3 under load · leave: QUIT-*, LEAVE-* · cleanup: CLEAN-* ·
//! framing: FRAME-1, 2, 4 · input: INPUT-* · limits: LIMIT-*, SCALE-* · slow: SLOW-1 ·
//! backpressure: SLOW-2, a flood with and without a user who never reads ·
//! flood: connection floods and running out of file descriptors (LIMIT-1, LIMIT-2) ·
//! unframed: the seed's own client, which sends no `\n` (FRAME-5).
//! Helpers (server process, scripted client, barriers) live in `support`.

mod support;

mod backpressure;
mod chat;
mod cleanup;
mod cli;
mod flood;
mod framing;
mod input;
mod join;
mod leave;
mod limits;
mod order;
mod slow;
mod unframed;
