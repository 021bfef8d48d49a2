//! The reasons the reference server gives after `ERROR: ` (PROTOCOL.md §9, the reason table),
//! in the seed's language, Spanish, like every other line a chat user reads. The name
//! reasons of INPUT-1, INPUT-3 and INPUT-4 are [`NameError`](crate::NameError)'s `Display`.

/// INPUT-2: the name is held by a user present.
pub fn name_in_use(name: &str) -> String {
    format!("el nombre '{name}' ya está en uso")
}

/// INPUT-5: a chat line longer than `--max-line` bytes; its sender stays connected.
pub fn line_too_long(max_bytes: usize) -> String {
    format!("línea de más de {max_bytes} bytes: no se ha enviado")
}

/// LIMIT-1: every `--max-clients` slot is held.
pub fn server_full(max_clients: usize) -> String {
    format!("servidor lleno ({max_clients} clientes)")
}

/// LIMIT-1: the process has run out of file descriptors.
pub const NO_FILE_DESCRIPTORS: &str = "servidor lleno (no quedan descriptores de archivo)";

/// LIMIT-2: no name within `--name-timeout` seconds; `pending` bytes of an unfinished name
/// arrived without a line end (0: nothing arrived).
pub fn no_name_in_time(secs: u64, pending: usize) -> String {
    let reason = format!("no se ha recibido ningún nombre en {secs} s");
    match pending {
        0 => reason,
        n => format!("{reason} (llegaron {n} bytes sin fin de línea)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_timeout_says_how_many_bytes_came_only_when_some_did() {
        assert_eq!(
            no_name_in_time(30, 0),
            "no se ha recibido ningún nombre en 30 s"
        );
        assert_eq!(
            no_name_in_time(1, 3),
            "no se ha recibido ningún nombre en 1 s (llegaron 3 bytes sin fin de línea)"
        );
    }
}
