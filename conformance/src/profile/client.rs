//! The `[client]` table of a profile: how a *client* under test (`conformance client`) is
//! driven and how it frames what it sends. Its keys live in their own table so that they
//! never clash with the server's keys at the top level.
//!
//! ```toml
//! [client]
//! framing = "chunk"            # one send() per message, no newline ("line": each ends in \n)
//! quit = "salir"               # what the user types to leave (default: the top-level `quit`)
//! before_name = []             # lines typed before the name, e.g. ["{host}", "{port}"]
//! ```

use serde::Deserialize;

use super::Framing;

/// The `[client]` table as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawClient {
    framing: Option<Framing>,
    quit: Option<String>,
    before_name: Vec<String>,
}

/// How a client under test is driven, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientProfile {
    /// How the client delimits what it sends: lines ending in `\n`, or one write per
    /// message (the seed's `sock.send(name.encode())`).
    pub framing: Framing,
    /// What the user types to leave; `None` when the client has no quit word.
    pub quit: Option<String>,
    /// What the user types before the name, in order, one line each (`{host}` and `{port}`
    /// stand for the harness's address), for a client that asks for them on its input.
    pub before_name: Vec<String>,
}

impl RawClient {
    /// Checks the table; `server_quit` is the top-level quit word, the default of `quit`.
    /// An error names the key at fault and what is wrong with it.
    pub(super) fn compile(
        self,
        framing: Framing,
        server_quit: Option<&str>,
    ) -> Result<ClientProfile, (&'static str, String)> {
        let quit = match self.quit {
            Some(word) if word.trim().is_empty() => None,
            Some(word) if word.contains(['\n', '\r']) => {
                return Err(("client.quit", "must be a single line".into()));
            }
            Some(word) => Some(word),
            None => server_quit.map(str::to_owned),
        };
        for line in &self.before_name {
            if line.contains(['\n', '\r']) {
                return Err((
                    "client.before_name",
                    format!(
                        "`{}`: each entry is one line, typed with Enter",
                        line.escape_debug()
                    ),
                ));
            }
            let mut rest = line.as_str();
            while let Some(at) = rest.find('{') {
                let tail = &rest[at..];
                if !(tail.starts_with("{host}") || tail.starts_with("{port}")) {
                    return Err((
                        "client.before_name",
                        format!("`{line}`: only {{host}} and {{port}} may stand in braces"),
                    ));
                }
                rest = &tail[1..];
            }
        }
        Ok(ClientProfile {
            framing: self.framing.unwrap_or(framing),
            quit,
            before_name: self.before_name,
        })
    }
}

impl ClientProfile {
    /// The lines typed before the name, with the harness's address filled in.
    pub fn before_name(&self, host: &str, port: u16) -> Vec<String> {
        self.before_name
            .iter()
            .map(|line| {
                line.replace("{host}", host)
                    .replace("{port}", &port.to_string())
            })
            .collect()
    }
}
