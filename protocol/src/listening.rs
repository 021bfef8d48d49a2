//! The `listening on HOST:PORT` line (PROTOCOL.md §10): the first line the reference server
//! prints on stdout, with the real port even when started with `--port 0`.
//!
//! Scripts, tests and the conformance harness start the server on a free port and read this
//! line to learn where to connect. Both sides of that contract live here: [`line()`] writes it,
//! [`parse()`] reads it back.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// What the line starts with, before the address.
pub const PREFIX: &str = "listening on ";

/// `listening on {addr}`, without the `\n`; an IPv6 address is bracketed (`[::1]:8070`).
pub fn line(addr: SocketAddr) -> String {
    format!("{PREFIX}{addr}")
}

/// The address a client on the same machine connects to, read from a `listening on
/// HOST:PORT` line (surrounding whitespace and the line end are ignored); `None` if the line
/// is not one.
///
/// A server bound to every interface prints an unspecified host (`0.0.0.0`, `::`), which is
/// not an address to connect to: it is replaced by the loopback address of the same family
/// (`127.0.0.1`, `::1`), keeping the port.
pub fn parse(line: &str) -> Option<SocketAddr> {
    let mut addr: SocketAddr = line.trim().strip_prefix(PREFIX)?.trim().parse().ok()?;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    Some(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().expect("a socket address")
    }

    #[test]
    fn the_line_reads_back_as_its_address() {
        for text in ["127.0.0.1:8070", "192.168.1.7:4242", "[::1]:4242"] {
            assert_eq!(parse(&line(addr(text))), Some(addr(text)));
        }
        assert_eq!(line(addr("127.0.0.1:8070")), "listening on 127.0.0.1:8070");
        assert_eq!(line(addr("[::1]:8070")), "listening on [::1]:8070");
    }

    #[test]
    fn the_line_end_and_surrounding_space_are_ignored() {
        assert_eq!(
            parse("listening on 127.0.0.1:4242\n"),
            Some(addr("127.0.0.1:4242"))
        );
        assert_eq!(
            parse("listening on 127.0.0.1:4242\r\n"),
            Some(addr("127.0.0.1:4242"))
        );
    }

    #[test]
    fn an_unspecified_host_becomes_loopback_of_its_family() {
        assert_eq!(
            parse("listening on 0.0.0.0:4242"),
            Some(addr("127.0.0.1:4242"))
        );
        assert_eq!(parse("listening on [::]:4242"), Some(addr("[::1]:4242")));
    }

    #[test]
    fn anything_else_is_not_a_listening_line() {
        for text in [
            "",
            "hello",
            "listening on",
            "listening on localhost:8070",
            "listening on 127.0.0.1",
            "Listening on 127.0.0.1:8070",
            "listening at 127.0.0.1:8070",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
