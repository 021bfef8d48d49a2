//! Talking: which form of a message gives the others a line naming the sender (`send`,
//! `chat`), and whether the sender gets its own back (`echo`).

use toml::Value;

use super::{NAMES, Probe, Stop, TEXTS, q};
use crate::sniff::conn::Conn;
use crate::sniff::infer::{framing_of, literal, template};

impl Probe {
    /// Says something plainly, then as `name: text`, and keeps the first form that gives
    /// the others a line naming the sender.
    pub(super) async fn learn_chat(
        &mut self,
        a: &mut Conn,
        b: &mut Conn,
        c: &mut Conn,
    ) -> Result<(), Stop> {
        let [a_name, b_name, _] = NAMES;
        let mut text_only: Option<(String, String)> = None;
        for (i, text) in TEXTS.iter().enumerate() {
            let written = if i == 0 {
                text.to_string()
            } else {
                format!("{a_name}: {text}")
            };
            a.send(&self.frame(&written)).await;
            let got = self.gather_after(b, &mut [&mut *a, &mut *c]).await?;
            if self.framing.is_none() {
                self.framing = framing_of(&got[0].reads);
            }
            let (others, own) = (self.msgs(&got[0]), self.msgs(&got[1]));
            for line in own.iter().filter(|l| !l.contains(text)) {
                self.draft.note(
                    "send",
                    format!(
                        "{a_name} received {} when it wrote {}",
                        q(line),
                        q(&written)
                    ),
                );
            }
            let Some(line) = others.iter().find(|l| l.contains(text)) else {
                continue;
            };
            let named = line.contains(a_name);
            let Some(chat) = template(line, named.then_some(a_name), Some(text)) else {
                continue;
            };
            if !named || !chat.contains("{user}") {
                text_only.get_or_insert((
                    chat,
                    format!(
                        "{b_name} received {} when {a_name} wrote {}",
                        q(line),
                        q(&written)
                    ),
                ));
                continue;
            }
            let send = if i == 0 { "{text}" } else { "{user}: {text}" };
            self.draft.set(
                "chat",
                chat.clone(),
                format!(
                    "{b_name} received {} when {a_name} wrote {}",
                    q(line),
                    q(&written)
                ),
            );
            self.draft.set(
                "send",
                send,
                if i == 0 {
                    "the server names the sender itself".to_string()
                } else {
                    format!(
                        "plain text gave no line naming {a_name}; written as \"{a_name}: \
                         text\" it did"
                    )
                },
            );
            if let Some((only, seen)) = &text_only {
                self.draft.unsure(
                    "chat",
                    format!(
                        "the server relays the text as written ({seen}): chat = {} with send \
                         = \"{{text}}\" would describe it too",
                        q(only)
                    ),
                );
            }
            self.chat = Some(chat.clone());
            self.learn_echo(&own, &chat, text, a_name);
            return Ok(());
        }
        match text_only {
            Some((chat, comment)) => {
                self.draft.set("chat", chat.clone(), comment);
                self.draft
                    .set("send", "{text}", "no line named the sender either way");
                self.chat = Some(chat);
            }
            None => {
                self.draft.set(
                    "chat",
                    chat_protocol::wording::CHAT_TEMPLATE,
                    "UNSURE: nobody received what anaqx wrote, plain or as \"anaqx: text\"",
                );
                self.draft.set("send", "{text}", "UNSURE: see chat");
            }
        }
        Ok(())
    }

    pub(super) fn learn_echo(&mut self, own: &[String], chat: &str, text: &str, sender: &str) {
        let Some(line) = own.iter().find(|l| l.contains(text)) else {
            self.draft.set(
                "echo",
                false,
                format!("{sender} did not receive its own message back"),
            );
            return;
        };
        let wording = template(line, Some(sender), Some(text)).unwrap_or_else(|| literal(line));
        let change = if wording == chat {
            "set echo = true".to_string()
        } else {
            format!("set echo = {}", Value::String(wording))
        };
        self.draft.set(
            "echo",
            false,
            format!(
                "OBSERVED: {sender} received its own {} back. The protocol forbids echo \
                 (CHAT-2). If your assignment asks for echo, {change}",
                q(line)
            ),
        );
    }
}
