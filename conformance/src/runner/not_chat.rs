//! Tells a target that is not a chat server at all (an HTTP server on the port the teacher
//! typed by mistake, or a profile that describes another server) from a chat server with a
//! bug, so the run ends with one short verdict instead of a failure per test.
//!
//! The decision is conservative: the first test that ran failed, and the very first line any
//! of its users received fits none of the profile's templates (prompt, welcome, join, leave,
//! chat, error) nor its `ignore` patterns. A chat server with a bug still greets or
//! announces in its own wording first.

use std::sync::Arc;

use crate::model::{Direction, TranscriptLine};
use crate::profile::Profile;
use crate::wire::{Classifier, Event, Roster};

/// Longest first line quoted in the verdict, in characters.
const QUOTED_CHARS: usize = 100;

/// The verdict for a first failing test whose transcript is `transcript`, when its first
/// received line fits nothing the profile knows: one sentence quoting that line.
pub fn not_a_chat_server(profile: &Arc<Profile>, transcript: &[TranscriptLine]) -> Option<String> {
    let first = transcript
        .iter()
        .find(|line| line.direction == Direction::Received)?;
    if first.text.trim().is_empty() {
        return None;
    }
    let classifier = Classifier::new(Arc::clone(profile), Roster::default());
    // The transcript shows the line quoted where whitespace would hide: read it back.
    match classifier.classify(&crate::wire::unquoted(&first.text))? {
        Event::Other(_) => Some(format!(
            "This does not look like a chat server with this profile: the first line was \
             `{}` — check the port and the profile",
            crate::wire::cut(&crate::wire::visible(&first.text), QUOTED_CHARS)
        )),
        _ => None,
    }
}

/// Cuts a not-a-chat-server failure's transcript after the first line received: that line
/// is the evidence, what followed (a whole HTML page) is noise.
pub fn keep_evidence(transcript: &mut Vec<TranscriptLine>) {
    if let Some(first) = transcript
        .iter()
        .position(|l| l.direction == Direction::Received)
    {
        transcript.truncate(first + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(text: &str) -> TranscriptLine {
        TranscriptLine {
            at_ms: 0,
            user: "ana".into(),
            direction: Direction::Received,
            text: text.into(),
        }
    }

    fn event(text: &str) -> TranscriptLine {
        TranscriptLine {
            direction: Direction::Event,
            ..received(text)
        }
    }

    #[test]
    fn a_first_line_that_fits_no_template_is_quoted() {
        let profile = Arc::new(Profile::reference());
        let verdict =
            not_a_chat_server(&profile, &[event("connected"), received("HTTP/1.0 200 OK")])
                .unwrap();
        assert!(
            verdict.contains("does not look like a chat server")
                && verdict.contains("`HTTP/1.0 200 OK`"),
            "{verdict}"
        );
    }

    #[test]
    fn the_evidence_kept_ends_with_the_first_line_received() {
        let mut transcript = vec![
            event("connected"),
            received("HTTP/1.0 200 OK"),
            received("Server: x"),
        ];
        keep_evidence(&mut transcript);
        assert_eq!(
            transcript,
            [event("connected"), received("HTTP/1.0 200 OK")]
        );
    }

    #[test]
    fn a_chat_servers_own_lines_never_give_the_verdict() {
        let profile = Arc::new(Profile::reference());
        for line in [
            "ana se ha unido al chat",
            "ana ha salido del chat",
            "beto: hola",
            "ERROR: el nombre no puede estar vacío",
        ] {
            assert_eq!(
                not_a_chat_server(&profile, &[received(line)]),
                None,
                "{line}"
            );
        }
        // A prompt with a trailing space, as the transcript shows it.
        let seed = Profile::parse("seed", "prompt = \"Ingresa tu nombre de usuario: \"\n").unwrap();
        let shown = crate::wire::shown_text("Ingresa tu nombre de usuario: ");
        assert_eq!(
            not_a_chat_server(&Arc::new(seed), &[received(&shown)]),
            None
        );
        // Nothing received, or a blank line: no evidence.
        assert_eq!(not_a_chat_server(&profile, &[event("connected")]), None);
        assert_eq!(not_a_chat_server(&profile, &[received("")]), None);
    }
}
