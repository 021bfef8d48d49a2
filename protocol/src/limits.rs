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
/// Bytes queued for one client before it is disconnected as too slow (SLOW-1).
pub const DEFAULT_MAX_QUEUE: usize = 1024 * 1024;
