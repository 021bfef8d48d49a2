//! The reference wording of every server → client line (PROTOCOL.md §9), and the quit word.
//!
//! The `*_TEMPLATE` constants use the conformance profile syntax (`{user}`, `{text}`), so the
//! harness's built-in `reference` profile is built from exactly the strings the server sends.

/// What a client writes to leave (QUIT-1), compared after trimming whitespace.
pub const QUIT_WORD: &str = "salir";

/// JOIN-2: sent to every other user when `{user}` joins.
pub const JOIN_TEMPLATE: &str = "{user} se ha unido al chat";
/// CHAT-1: sent to every other user for a chat message.
pub const CHAT_TEMPLATE: &str = "{user}: {text}";
/// LEAVE-1: sent to every remaining user when `{user}` leaves.
pub const LEAVE_TEMPLATE: &str = "{user} ha salido del chat";
/// JOIN-5: the one welcome line the joiner receives.
pub const WELCOME_TEMPLATE: &str = "Bienvenido al chat, {user}. Escribe 'salir' para salir.";
/// Prefix of every error line sent to the author of rejected input.
pub const ERROR_PREFIX: &str = "ERROR: ";

/// `{user} se ha unido al chat`
pub fn join_line(user: &str) -> String {
    format!("{user} se ha unido al chat")
}

/// `{user}: {text}`
pub fn chat_line(user: &str, text: &str) -> String {
    format!("{user}: {text}")
}

/// `{user} ha salido del chat`
pub fn leave_line(user: &str) -> String {
    format!("{user} ha salido del chat")
}

/// `Bienvenido al chat, {user}. Escribe 'salir' para salir.`
pub fn welcome_line(user: &str) -> String {
    format!("Bienvenido al chat, {user}. Escribe '{QUIT_WORD}' para salir.")
}

/// `ERROR: {reason}`
pub fn error_line(reason: &str) -> String {
    format!("{ERROR_PREFIX}{reason}")
}

/// True when `line` is the quit word, ignoring surrounding whitespace (QUIT-1).
pub fn is_quit(line: &str) -> bool {
    line.trim() == QUIT_WORD
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_like_the_functions() {
        let fill = |t: &str| t.replace("{user}", "ana").replace("{text}", "hola");
        assert_eq!(fill(JOIN_TEMPLATE), join_line("ana"));
        assert_eq!(fill(CHAT_TEMPLATE), chat_line("ana", "hola"));
        assert_eq!(fill(LEAVE_TEMPLATE), leave_line("ana"));
        assert_eq!(fill(WELCOME_TEMPLATE), welcome_line("ana"));
    }

    #[test]
    fn quit_ignores_surrounding_whitespace_only() {
        assert!(is_quit("salir"));
        assert!(is_quit("  salir\t"));
        assert!(!is_quit("salir ya"));
        assert!(!is_quit("Salir"));
    }
}
