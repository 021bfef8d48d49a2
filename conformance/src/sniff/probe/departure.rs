//! Leaving: the quit word, the farewell and the quitter's own leave line, the leave line
//! the others see.

use super::{NAMES, Probe, QUIT_WORDS, Stop, q, render};
use crate::sniff::conn::Conn;
use crate::sniff::infer::{literal, template};

impl Probe {
    /// Tries the quit words in turn as the first user, until one makes the server announce
    /// a leave or close the connection.
    pub(super) async fn learn_quit(
        &mut self,
        a: &mut Conn,
        b: &mut Conn,
        c: &mut Conn,
    ) -> Result<(), Stop> {
        let [a_name, b_name, _] = NAMES;
        for word in QUIT_WORDS {
            if a.closed {
                break;
            }
            a.send(&self.frame(word)).await;
            let got = self.gather_after(b, &mut [&mut *a, &mut *c]).await?;
            let others = self.msgs(&got[0]);
            let as_chat = self.chat.as_ref().and_then(|t| render(t, a_name, word));
            if others.iter().any(|l| Some(l) == as_chat.as_ref()) {
                continue;
            }
            let about: Vec<&String> = others.iter().filter(|l| l.contains(a_name)).collect();
            if about.is_empty() && !got[1].closed {
                continue;
            }
            self.draft.set(
                "quit",
                *word,
                format!(
                    "after {a_name} wrote {}, {}",
                    q(word),
                    if about.is_empty() {
                        "the server closed its connection".to_string()
                    } else {
                        format!("{b_name} received {}", q(about[0]))
                    }
                ),
            );
            self.learn_leave_on(&others, a_name, &format!("wrote {}", q(word)));
            let mut own = self.msgs(&got[1]);
            if !got[1].closed {
                let more = a.gather(self.waits.brief()).await;
                self.check(&more)?;
                own.extend(self.msgs(&more));
            }
            self.learn_farewell(&own, a_name);
            return Ok(());
        }
        self.draft.set(
            "quit",
            chat_protocol::wording::QUIT_WORD,
            format!(
                "OBSERVED: none of {} made the server announce a leave or close the \
                 connection. The protocol has a quit word (QUIT-1). If your assignment has \
                 none, set quit = \"\"",
                QUIT_WORDS.join(" ")
            ),
        );
        self.draft.set("farewell", "", "no quit word was found");
        self.draft
            .set("leave_to_self", false, "no quit word was found");
        Ok(())
    }

    pub(super) fn learn_farewell(&mut self, own: &[String], quitter: &str) {
        let own_leave = self.leave.as_ref().and_then(|l| render(l, quitter, ""));
        let (leaves, rest): (Vec<&String>, Vec<&String>) = own
            .iter()
            .partition(|l| Some(l.as_str()) == own_leave.as_deref());
        let farewell: Vec<String> = rest
            .iter()
            .map(|l| template(l, Some(quitter), None).unwrap_or_else(|| literal(l)))
            .collect();
        match farewell.as_slice() {
            [] => self.draft.set(
                "farewell",
                "",
                format!("{quitter} received nothing after the quit word"),
            ),
            [one, more @ ..] => {
                self.draft.set(
                    "farewell",
                    one.clone(),
                    format!("{quitter} received {} after the quit word", q(rest[0])),
                );
                for line in more {
                    self.draft
                        .unsure("farewell", format!("{quitter} also received {}", q(line)));
                }
            }
        }
        match leaves.first() {
            Some(line) => self.draft.set(
                "leave_to_self",
                false,
                format!(
                    "OBSERVED: {quitter} received its own leave line {} after the quit word. \
                     The protocol announces a leave to the others (LEAVE-1). If your \
                     assignment asks for that, set leave_to_self = true",
                    q(line)
                ),
            ),
            None => self.draft.set(
                "leave_to_self",
                false,
                format!("{quitter} did not receive its own leave line"),
            ),
        }
    }

    /// Learns (or confirms) the leave template from the lines others saw when `who` left.
    pub(super) fn learn_leave_on(&mut self, seen: &[String], who: &str, how: &str) {
        let line = seen.iter().find(|l| l.contains(who));
        let leave = line.and_then(|l| template(l, Some(who), None));
        let said = format!(
            "{} received {} when {who} {how}",
            NAMES[1],
            line.map_or("nothing about it".to_string(), |l| q(l))
        );
        match (&self.leave, leave) {
            (None, Some(leave)) => {
                self.draft.note("leave", said);
                self.leave = Some(leave);
            }
            (Some(known), again) if again.as_ref() != Some(known) => {
                self.draft.unsure("leave", said);
            }
            _ => self.draft.note("leave", said),
        }
    }

    pub(super) fn draft_leave(&mut self) {
        match self.leave.clone() {
            Some(leave) => self
                .draft
                .set("leave", leave, "the others' line when a user left"),
            None => self.draft.set(
                "leave",
                chat_protocol::wording::LEAVE_TEMPLATE,
                "OBSERVED: no line named a user who left. The protocol announces every leave \
                 (LEAVE-1, LEAVE-2). If your assignment has no leave lines, set leave = \"\"",
            ),
        }
    }
}
