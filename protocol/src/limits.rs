//! Default limits of the reference server (PROTOCOL.md §10).

/// Default port of the classic assignment.
pub const DEFAULT_PORT: u16 = 8070;
/// Connections held at once, named or not (LIMIT-1).
pub const DEFAULT_MAX_CLIENTS: usize = 1024;
/// Longest accepted line in bytes, without its `\n` (INPUT-5).
pub const DEFAULT_MAX_LINE: usize = 4096;
/// Longest accepted name, in characters (INPUT-3).
pub const DEFAULT_MAX_NAME: usize = 32;
/// Seconds a new connection has to send its name (LIMIT-2).
pub const DEFAULT_NAME_TIMEOUT_SECS: u64 = 30;
/// Bytes queued for one client at most: a memory bound, reached only by a client that has
/// stopped reading, which is then disconnected as too slow (SLOW-1). Senders wait while a
/// client's queue is above half of it (SLOW-2).
pub const DEFAULT_MAX_QUEUE: usize = 1024 * 1024;
/// Seconds a client may make no progress at all while data waits for it, before it is
/// disconnected as stalled: the longest a client that stopped reading holds the room back
/// (SLOW-1, SLOW-2).
pub const DEFAULT_STALL_TIMEOUT_SECS: u64 = 2;
/// Milliseconds of silence after a name that arrived without its `\n` before the reference
/// server takes the client to be unframed, one message per read (FRAME-5); 0 turns the
/// detection off.
pub const DEFAULT_UNFRAMED_AFTER_MS: u64 = 300;
