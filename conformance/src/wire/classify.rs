//! Turns one received message into an [`Event`] using the profile's templates.

use super::Event;
use super::Roster;
use crate::profile::Profile;

/// Removes every ECMA-48 escape sequence — CSI (`ESC [ … final`: colours, `ESC [2K`,
/// cursor moves), OSC (`ESC ] … BEL/ST`: titles), and two-byte escapes (`ESC 7`, `ESC 8`) —
/// for profiles with `strip_ansi`. A terminal parser does it (`strip-ansi-escapes`, built
/// on `vte`), not a pattern of ours. Tabs are kept: the parser drops them with the other C0
/// controls (strip-ansi-escapes issue #20), and a tab in a chat line is text (CHAT-3), not
/// an escape.
pub fn strip_ansi(text: &str) -> String {
    text.split('\t')
        .map(strip_ansi_escapes::strip_str)
        .collect::<Vec<_>>()
        .join("\t")
}

/// Classifies messages for one test: knows the profile and which users belong to the test.
#[derive(Clone)]
pub struct Classifier {
    profile: std::sync::Arc<Profile>,
    roster: Roster,
    /// The wire name of the user whose messages these are, for the lines about itself that
    /// do not name it (`Tú: hola`, `Adiós`).
    receiver: Option<String>,
}

impl Classifier {
    /// A classifier for the profile's wording. `roster` is the test's: when a message fits
    /// several templates, the reading whose user is in the roster wins.
    pub fn new(profile: std::sync::Arc<Profile>, roster: Roster) -> Self {
        Classifier {
            profile,
            roster,
            receiver: None,
        }
    }

    /// The same, for the messages of the user `wire`: its own echo in the profile's `echo`
    /// wording is its chat line, and a farewell is its own leave line.
    pub fn for_receiver(self, wire: &str) -> Self {
        Classifier {
            receiver: Some(wire.to_string()),
            ..self
        }
    }

    /// `None` when the message is to be ignored (it matches an `ignore` pattern).
    pub fn classify(&self, raw: &str) -> Option<Event> {
        let p = &self.profile;
        let cleaned;
        let message = if p.strip_ansi {
            cleaned = strip_ansi(raw);
            cleaned.as_str()
        } else {
            raw
        };
        if !p.prompt.is_empty() && message == p.prompt {
            return Some(Event::Prompt);
        }
        let line_like = message.trim_end_matches(['\r', '\n']);
        // A blank line is nobody's message: the newline after a prompt that the profile
        // gives without it, or spacing between a server's lines.
        if line_like.trim().is_empty() || p.ignore.iter().any(|re| re.is_match(line_like)) {
            return None;
        }
        let message = line_like;
        // Try the templates in order, preferring one whose user is in this test: a chat
        // text that happens to end in "se ha unido al chat" is still a chat line.
        type Make = fn(String, Option<&str>) -> Event;
        let chat: Make = |user, text| Event::Chat {
            user,
            text: text.unwrap_or_default().to_string(),
        };
        let welcome: Make = |user, _| Event::Welcome { user };
        let user_templates = [
            (p.join.as_ref(), (|user, _| Event::Join { user }) as Make),
            (p.leave.as_ref(), |user, _| Event::Leave { user }),
            (Some(&p.chat), chat),
        ]
        .into_iter()
        .filter_map(|(template, make)| Some((template?, make)))
        .chain(p.welcome.iter().map(|w| (w, welcome)));
        let mut fallback = None;
        for (template, make) in user_templates {
            if let Some(caps) = template.captures(message) {
                if !template.has("user") && std::ptr::eq(template, &p.chat) {
                    // Only the text: credited to whoever of this test wrote it; a text
                    // nobody wrote is no chat line of this test.
                    let text = caps.text.unwrap_or_default();
                    if let Some(author) = self.roster.author(text) {
                        return Some(make(author, caps.text));
                    }
                    if super::names::written_in_run(text) {
                        return None; // an earlier test's line, still arriving
                    }
                    continue;
                }
                let user = caps.user.unwrap_or_default().to_string();
                if self.roster.knows(&user) {
                    return Some(make(user, caps.text));
                }
                fallback.get_or_insert_with(|| make(user, caps.text));
            }
        }
        // Lines only the receiving user gets, about itself: its own chat line in the
        // echo's wording, and the farewell after its quit word.
        if let Some(me) = &self.receiver {
            if let Some(caps) = p.own_echo.as_ref().and_then(|t| t.captures(message)) {
                return Some(chat(me.clone(), caps.text));
            }
            if p.farewell
                .as_ref()
                .is_some_and(|t| t.captures(message).is_some())
            {
                return Some(Event::Leave { user: me.clone() });
            }
        }
        if let Some(caps) = p.error.captures(message) {
            return Some(Event::Error {
                reason: caps.text.unwrap_or_default().to_string(),
            });
        }
        Some(fallback.unwrap_or_else(|| Event::Other(message.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn classifier(profile: Profile, known: &[&str]) -> Classifier {
        let roster = Roster::default();
        for k in known {
            roster.register(k, k);
        }
        Classifier::new(Arc::new(profile), roster)
    }

    #[test]
    fn reference_lines() {
        let c = classifier(Profile::reference(), &["ana"]);
        let ev = |s: &str| c.classify(s).unwrap().to_string();
        assert_eq!(ev("ana se ha unido al chat"), "JOIN ana");
        assert_eq!(ev("ana ha salido del chat"), "LEAVE ana");
        assert_eq!(ev("ana: hola"), "CHAT ana hola");
        assert_eq!(
            ev("ana: se ha unido al chat"),
            "CHAT ana se ha unido al chat"
        );
        assert_eq!(
            ev("ERROR: el nombre no puede estar vacío"),
            "ERROR el nombre no puede estar vacío"
        );
        assert_eq!(
            ev("Bienvenido al chat, ana. Escribe 'salir' para salir."),
            "WELCOME ana"
        );
        assert_eq!(ev("\u{1b}[2J"), "OTHER \"\\u{1b}[2J\"");
    }

    #[test]
    fn blank_lines_are_no_event_and_own_lines_are_read_for_their_receiver() {
        let p = Profile::parse(
            "d",
            "echo = \"Tú: {text}\"\nfarewell = \"Adiós\"\nwelcome = [\"~ hola {user}\", \"~ salir para irte\"]",
        )
        .unwrap();
        let ana = classifier(p, &["ana"]).for_receiver("ana");
        let ev = |s: &str| ana.classify(s).map(|e| e.to_string());
        assert_eq!(ev(""), None);
        assert_eq!(ev("  \r\n"), None);
        assert_eq!(ev("Tú: hola").as_deref(), Some("CHAT ana hola"));
        assert_eq!(ev("Adiós").as_deref(), Some("LEAVE ana"));
        assert_eq!(ev("~ hola ana").as_deref(), Some("WELCOME ana"));
        assert_eq!(ev("~ salir para irte").as_deref(), Some("WELCOME (blank)"));
        // Without a receiver those lines are nobody's.
        let p = Profile::parse("d", "echo = \"Tú: {text}\"").unwrap();
        let nobody = classifier(p, &["ana"]);
        assert_eq!(
            nobody.classify("Tú: hola").unwrap().to_string(),
            "CHAT Tú hola"
        );
    }

    #[test]
    fn every_escape_sequence_is_stripped_save_and_restore_cursor_included() {
        // What a curses-like student server wraps each line in: save the cursor, go up,
        // clear the line, colour, text, reset, restore the cursor; and a window title.
        let wrapped =
            "\u{1b}7\u{1b}[F\u{1b}[2K\u{1b}[31mana: hola\u{1b}[0m\u{1b}8\u{1b}]0;chat\u{7}";
        assert_eq!(strip_ansi(wrapped), "ana: hola");
        assert_eq!(strip_ansi("sin escapes: ñandú 🙂"), "sin escapes: ñandú 🙂");
        assert_eq!(
            strip_ansi("\x1b[1mana\x1b[0m: tab\taquí\t"),
            "ana: tab\taquí\t"
        );
    }

    #[test]
    fn ignore_and_ansi() {
        let p = Profile::parse(
            "p",
            "strip_ansi = true\nignore = [\"Bienvenido.*\"]\nchat = \"[{user}] {text}\"",
        )
        .unwrap();
        let c = classifier(p, &["ana"]);
        assert_eq!(c.classify("Bienvenido, ana"), None);
        assert_eq!(
            c.classify("\u{1b}[1;32m[ana]\u{1b}[0m hola")
                .unwrap()
                .to_string(),
            "CHAT ana hola"
        );
    }
}
