//! The receiver thread: prints every line the server sends, as it arrives.

use std::io::{self, BufRead, BufReader, Read};
use std::net::TcpStream;
use std::sync::Arc;
use std::thread;

use chat_protocol::neutralize_controls;

use crate::ending::Ending;
use crate::screen::Show;

/// Longest piece of a server line printed at once. A server that streams without ever
/// sending `\n` gets its bytes printed in pieces of this size instead of filling our memory.
pub const MAX_PIECE: usize = 64 * 1024;

/// Starts the receiver thread on `stream`, printing on `screen`. When the server closes the
/// connection the thread reports it to `ending`, which ends the process unless the user is
/// already quitting.
///
/// # Errors
///
/// When the thread cannot be spawned.
pub fn spawn(
    stream: TcpStream,
    mut screen: impl Show + Send + 'static,
    ending: Arc<Ending>,
) -> io::Result<()> {
    thread::Builder::new()
        .name("receiver".to_owned())
        .spawn(move || {
            let result = pump(BufReader::new(stream), &mut screen);
            ending.server_closed(result.err().as_ref());
        })?;
    // Never joined: like the seed's daemon thread, it lives as long as the connection.
    Ok(())
}

/// Copies lines from `server` to `screen` until the server closes the connection, each one
/// made safe by [`render`] and shown at once, so it shows up while the user is typing.
///
/// # Errors
///
/// When reading from the server fails (a reset connection, for instance).
pub fn pump(mut server: impl BufRead, screen: &mut impl Show) -> io::Result<()> {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let limit = u64::try_from(MAX_PIECE).unwrap_or(u64::MAX);
        if (&mut server).take(limit).read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        screen.show(&render(&buf));
    }
}

/// Turns the raw bytes of one server line into text that is safe to print: the `\n` (or
/// `\r\n`) is removed, invalid UTF-8 becomes U+FFFD, and so does every control character that
/// could drive the terminal (INPUT-7): ESC, BEL, backspace, a stray CR…
pub fn render(raw: &[u8]) -> String {
    let line = raw.strip_suffix(b"\n").unwrap_or(raw);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    neutralize_controls(&String::from_utf8_lossy(line)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screen::Plain;

    #[test]
    fn lines_are_printed_safe_and_whole() {
        let server: &[u8] = b"ana: hola\r\neve: \x1b[2J\x07\nbob: \xff\xfe\nsin fin";
        let mut out = Vec::new();
        pump(server, &mut Plain(&mut out)).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ana: hola\neve: \u{FFFD}[2J\u{FFFD}\nbob: \u{FFFD}\u{FFFD}\nsin fin\n"
        );
    }

    #[test]
    fn an_endless_line_is_printed_in_bounded_pieces() {
        let server = vec![b'x'; MAX_PIECE * 2 + 10];
        let mut out = Vec::new();
        pump(server.as_slice(), &mut Plain(&mut out)).unwrap();
        let lines: Vec<usize> = out.split(|&b| b == b'\n').map(<[u8]>::len).collect();
        assert_eq!(lines, [MAX_PIECE, MAX_PIECE, 10, 0]);
    }

    #[test]
    fn tabs_and_non_ascii_pass_untouched() {
        assert_eq!(render("bea: ñandú\t🙂\n".as_bytes()), "bea: ñandú\t🙂");
    }
}
