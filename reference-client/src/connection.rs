//! Connecting to the server and writing lines to it.

use std::io::{self, Write};
use std::net::TcpStream;

use anyhow::Context as _;

/// Connects to `host:port`, trying every address the host name resolves to.
///
/// # Errors
///
/// `no se puede conectar a HOST:PORT: REASON` (Spanish, as everything a chat user reads) when no address accepts the connection.
pub fn connect(host: &str, port: u16) -> anyhow::Result<TcpStream> {
    TcpStream::connect((host, port))
        .with_context(|| format!("no se puede conectar a {host}:{port}"))
}

/// Writes `line` followed by `\n` in a single write, so the server gets the whole line (or
/// nothing) and never a line glued to half of another (FRAME-1).
///
/// # Errors
///
/// When the connection is closed or broken.
pub fn send_line(stream: &mut impl Write, line: &str) -> io::Result<()> {
    let mut framed = String::with_capacity(line.len() + 1);
    framed.push_str(line);
    framed.push('\n');
    stream.write_all(framed.as_bytes())?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_sent_with_its_newline() {
        let mut sent = Vec::new();
        send_line(&mut sent, "hola ñandú").unwrap();
        assert_eq!(sent, "hola ñandú\n".as_bytes());
    }
}
