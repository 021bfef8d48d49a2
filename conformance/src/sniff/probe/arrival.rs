//! Arriving: the prompt, the join line the others see, the welcome, the joiner's own join.

use toml::Value;

use super::{NAMES, Probe, q, render};
use crate::profile::Framing;
use crate::sniff::infer::{literal, template};

impl Probe {
    pub(super) fn draft_prompt(&mut self, prompt_b: &str) {
        let mut prompt = self.prompt.clone();
        if prompt != prompt_b {
            self.draft.unsure(
                "prompt",
                format!(
                    "the first user got {} before its name, the second {}",
                    q(&prompt),
                    q(prompt_b)
                ),
            );
        }
        // A line server may only have a whole prompt line at the end: lines before it are
        // a banner, to ignore.
        if self.framing != Some(Framing::Chunk) {
            let body = prompt.strip_suffix('\n').unwrap_or(&prompt);
            if let Some((banner, last)) = body.rsplit_once('\n') {
                let ends = if prompt.ends_with('\n') { "\n" } else { "" };
                let banner: Vec<String> = banner
                    .lines()
                    .map(|l| l.trim_end_matches('\r'))
                    .filter(|l| !l.trim().is_empty())
                    .map(regex::escape)
                    .collect();
                self.draft.set(
                    "ignore",
                    Value::Array(banner.into_iter().map(Value::String).collect()),
                    "lines that came before the prompt (a banner): skipped",
                );
                prompt = format!("{last}{ends}");
            }
        }
        let comment = if prompt.is_empty() {
            "nothing came before the name".to_string()
        } else {
            format!("received {} before sending the name", q(&prompt))
        };
        self.draft.set("prompt", prompt, comment);
    }

    pub(super) fn learn_join(&mut self, seen: &[String], watcher: &str, joiner: &str) {
        let about: Vec<&String> = seen.iter().filter(|l| l.contains(joiner)).collect();
        for line in seen.iter().filter(|l| !l.contains(joiner)) {
            self.draft.unsure(
                "join",
                format!("{watcher} also received {} when {joiner} joined", q(line)),
            );
        }
        match about.first().and_then(|l| template(l, Some(joiner), None)) {
            Some(join) => {
                self.draft.set(
                    "join",
                    join.clone(),
                    format!("{watcher} received {} when {joiner} joined", q(about[0])),
                );
                self.join = Some(join);
            }
            None => {
                self.draft.set(
                    "join",
                    chat_protocol::wording::JOIN_TEMPLATE,
                    format!(
                        "OBSERVED: {watcher} received no line naming {joiner} when {joiner} \
                         joined. The protocol announces joins (JOIN-2). If your assignment has \
                         no join lines, set join = \"\""
                    ),
                );
            }
        }
    }

    pub(super) fn confirm_join(&mut self, seen: &[String], joiner: &str) {
        let line = seen.iter().find(|l| l.contains(joiner));
        let again = line.and_then(|l| template(l, Some(joiner), None));
        if again != self.join {
            self.draft.unsure(
                "join",
                format!(
                    "when {joiner} joined, the first user received {}",
                    line.map_or("nothing about it".to_string(), |l| q(l))
                ),
            );
        }
    }

    pub(super) fn learn_welcome(&mut self, first: &[String], second: &[String]) {
        let [a_name, b_name, _] = NAMES;
        let own_join = |name: &str| self.join.as_ref().and_then(|j| render(j, name, ""));
        let welcome = |lines: &[String], name: &str| -> (Vec<String>, Option<String>) {
            let own = own_join(name);
            let (joins, rest): (Vec<&String>, Vec<&String>) = lines
                .iter()
                .partition(|l| Some(l.as_str()) == own.as_deref());
            let templates = rest
                .iter()
                .map(|l| template(l, Some(name), None).unwrap_or_else(|| literal(l)))
                .collect();
            (templates, joins.first().map(|l| l.to_string()))
        };
        let (lines, own) = welcome(first, a_name);
        let (lines_b, own_b) = welcome(second, b_name);
        let comment = if lines.is_empty() {
            format!("{a_name} received nothing after its name")
        } else {
            format!("{a_name} received {} after its name", q(&first.join(" / ")))
        };
        let value = match lines.as_slice() {
            [] => Value::String(String::new()),
            [one] => Value::String(one.clone()),
            many => Value::Array(many.iter().cloned().map(Value::String).collect()),
        };
        self.draft.set("welcome", value, comment);
        if lines != lines_b {
            self.draft.unsure(
                "welcome",
                format!(
                    "{b_name} received {} after its name",
                    q(&second.join(" / "))
                ),
            );
        }
        match own.or(own_b) {
            Some(line) => self.draft.set(
                "announce_self",
                false,
                format!(
                    "OBSERVED: the joiner received its own join line {}. The protocol \
                     announces a join to the others only (JOIN-3). If your assignment asks \
                     for that, set announce_self = true",
                    q(&line)
                ),
            ),
            None => self.draft.set(
                "announce_self",
                false,
                "the joiner did not receive its own join line",
            ),
        }
    }
}
