//! Lines no key of the draft describes. Once the wording is drafted, every message the
//! room's users received is read again by the suite's own classifier, with the draft: what
//! it cannot place (an `OTHER` line) is something the suite would report. A line that names
//! none of the probe's users and carries none of its texts (a status line, an
//! acknowledgement, a decoration) is the server's wording: it becomes an `ignore` pattern,
//! digits generalised. A line that does name a user or a text stays for the suite to judge,
//! with an `UNSURE:` comment unless another comment quotes it already (an echo, the
//! joiner's own join): it may be a bug's (a torn or doubled line), and sniff never excuses
//! behaviour. With one message per write, a template that begins or ends with a space looks
//! like the first piece of a torn line: it is marked `UNSURE:`, and then no stray line is
//! skipped (it may be the rest).

use std::sync::Arc;

use toml::Value;

use super::{NAMES, Probe, QUIT_WORDS, TEXTS, q};
use crate::profile::{Framing, Profile};
use crate::sniff::infer::messages;
use crate::wire::{Classifier, Event, Roster};

impl Probe {
    /// Reads every message of the room again with the draft, and drafts `ignore` from the
    /// lines that fit no key (see the module's header).
    pub(super) fn learn_ignore(&mut self) {
        let Ok(profile) = Profile::parse("draft", &self.draft.to_toml(&[])) else {
            return;
        };
        let split = self.flag_split_templates(&profile);
        let unplaced = self.unplaced(&profile);
        if unplaced.is_empty() {
            return;
        }
        let known = rendered(&profile);
        let mut patterns: Vec<String> = profile
            .ignore
            .iter()
            .map(|re| re.as_str().to_string())
            .collect();
        for line in unplaced {
            let pattern = generalised(&line);
            let about_the_chat = NAMES.iter().chain(&TEXTS).any(|value| line.contains(value));
            let hides_a_line = regex::Regex::new(&format!("^(?:{pattern})$"))
                .map_or(true, |re| known.iter().any(|k| re.is_match(k)));
            // Beside a template that looks torn, a stray line may be its rest: not skipped.
            if about_the_chat || hides_a_line || split {
                if self.draft.quotes(&line) {
                    continue; // said already, as the behaviour or wording it shows
                }
                self.draft.general(format!(
                    "UNSURE: {} was received, and no key describes it: the suite will report \
                     it where it comes",
                    q(&line)
                ));
                continue;
            }
            if patterns.contains(&pattern) {
                continue;
            }
            self.draft.note(
                "ignore",
                format!(
                    "{} was received and fits no other key: skipped as '{pattern}' (if your \
                     server should not send it, remove it)",
                    q(&line)
                ),
            );
            patterns.push(pattern);
        }
        if patterns.len() > profile.ignore.len() {
            self.draft.set_value(
                "ignore",
                Value::Array(patterns.into_iter().map(Value::String).collect()),
            );
        }
    }

    /// Each template of [`split_templates`] gets an `UNSURE:` comment; returns whether
    /// there was one.
    fn flag_split_templates(&mut self, profile: &Profile) -> bool {
        let split = split_templates(profile);
        for (key, source) in &split {
            self.draft.unsure(
                key,
                format!(
                    "{} begins or ends with a space: with one message per write, that is how \
                     a line written in two pieces arrives (a torn line, FRAME-3). If the \
                     message after it is its rest, the server must write the line whole; \
                     the suite will fail it",
                    q(source)
                ),
            );
        }
        !split.is_empty()
    }

    /// The distinct messages of the room the classifier cannot place with `profile`.
    fn unplaced(&self, profile: &Profile) -> Vec<String> {
        let roster = Roster::default();
        for name in NAMES {
            roster.register(name, name);
            for text in TEXTS {
                roster.wrote(name, text);
                roster.wrote(name, &format!("{name}: {text}"));
            }
        }
        let classifier = Classifier::new(Arc::new(profile.clone()), roster);
        let prompt = profile.prompt.trim();
        let mut unplaced: Vec<String> = Vec::new();
        for got in &self.heard {
            for line in messages(got, profile.framing, profile.strip_ansi) {
                let line = line.strip_prefix(prompt).unwrap_or(&line).to_string();
                if line.trim().is_empty() || QUIT_WORDS.contains(&line.trim()) {
                    continue;
                }
                let other = [Some(NAMES[0]), None].into_iter().all(|receiver| {
                    let classifier = match receiver {
                        Some(me) => classifier.clone().for_receiver(me),
                        None => classifier.clone(),
                    };
                    matches!(classifier.classify(&line), Some(Event::Other(_)))
                });
                if other && !unplaced.contains(&line) {
                    unplaced.push(line);
                }
            }
        }
        unplaced
    }
}

/// With one message per write, a template that begins or ends with a space is what a line
/// written in two pieces looks like (`"{user} "`, then `"se desconectó"`): a torn line
/// (FRAME-3) drafted as wording. Those templates, by key.
fn split_templates(profile: &Profile) -> Vec<(&'static str, String)> {
    if profile.framing != Framing::Chunk {
        return Vec::new();
    }
    [
        ("join", profile.join.as_ref()),
        ("leave", profile.leave.as_ref()),
        ("chat", Some(&profile.chat)),
        ("echo", profile.own_echo.as_ref()),
        ("farewell", profile.farewell.as_ref()),
    ]
    .into_iter()
    .chain(profile.welcome.iter().map(|w| ("welcome", Some(w))))
    .filter_map(|(key, template)| Some((key, template?.source().to_string())))
    .filter(|(_, source)| !source.is_empty() && source.trim() != source)
    .collect()
}

/// Every line the profile's templates give for the probe's users and texts: an `ignore`
/// pattern must match none of them.
fn rendered(profile: &Profile) -> Vec<String> {
    let templates = [
        &profile.join,
        &profile.leave,
        &profile.own_echo,
        &profile.farewell,
    ]
    .into_iter()
    .flatten()
    .chain(&profile.welcome)
    .chain([&profile.chat, &profile.error]);
    let mut lines = Vec::new();
    for template in templates {
        for name in NAMES {
            for text in TEXTS {
                lines.push(template.render(name, text));
            }
        }
    }
    lines
}

/// `line` as a whole-line pattern: its text escaped, each run of digits `\d+` (a count of
/// users online, a time).
fn generalised(line: &str) -> String {
    let mut pattern = String::new();
    let mut rest = line;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        pattern.push_str(&regex::escape(&rest[..start]));
        pattern.push_str(r"\d+");
        rest = rest[start..].trim_start_matches(|c: char| c.is_ascii_digit());
    }
    pattern.push_str(&regex::escape(rest));
    pattern
}

#[cfg(test)]
mod tests {
    use super::{Profile, generalised, split_templates};

    #[test]
    fn a_template_with_an_edge_space_looks_torn_only_one_message_per_write() {
        let wording =
            "leave = \"{user} \"\nchat = \"{user}: {text}\"\nwelcome = [\" hola\", \"x\"]";
        let chunk = Profile::parse("d", &format!("framing = \"chunk\"\n{wording}")).unwrap();
        assert_eq!(
            split_templates(&chunk),
            [
                ("leave", "{user} ".to_string()),
                ("welcome", " hola".to_string())
            ]
        );
        let line = Profile::parse("d", wording).unwrap();
        assert_eq!(split_templates(&line), []);
    }

    #[test]
    fn digits_are_generalised_and_the_rest_escaped() {
        assert_eq!(generalised("(12 online)"), r"\(\d+ online\)");
        assert_eq!(generalised("a.b 3:04"), r"a\.b \d+:\d+");
        assert_eq!(generalised("7"), r"\d+");
    }
}
