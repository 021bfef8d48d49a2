//! The steps that can hurt a fragile server, run last: a close before the name, a taken
//! name (`error`, `reject`), a reset.

use super::{CONNECT_BOUND, LATE_NAMES, Probe, Stop, q};
use crate::sniff::conn::{Conn, Gathered};
use crate::sniff::infer::{error_template, template};

impl Probe {
    /// The steps that can hurt a fragile server: a close before the name, a taken name,
    /// a reset.
    pub async fn fragile(&mut self) -> Result<(), Stop> {
        let [d_name, f_name] = LATE_NAMES;
        // A client that leaves before its name (JOIN-7) must harm nobody.
        match Conn::open(self.addr, CONNECT_BOUND).await {
            Ok(early) => drop(early),
            Err(e) => {
                return Err(Stop::CannotTell(format!(
                    "the server stopped accepting connections: {e}"
                )));
            }
        }
        let (mut d, _) = self.arrive(d_name).await?;
        let welcome = d.gather(self.waits).await;
        self.check(&welcome)?;
        if welcome.closed {
            self.draft.general(format!(
                "UNSURE: after a client closed before its name, {d_name} was refused: the \
                 server may not survive an early close (JOIN-7)"
            ));
            return Ok(());
        }
        // The same name again.
        let (mut e, _) = self.arrive(d_name).await?;
        let got = self.gather_all(&mut [&mut e, &mut d]).await?;
        self.learn_reject(&got[0], &self.msgs(&got[1]), d_name);
        drop(e);
        // A reset: the others must see the leave line as for a close.
        let (mut f, _) = self.arrive(f_name).await?;
        let _ = self.gather_all(&mut [&mut f, &mut d]).await?;
        f.reset();
        let Some(seen) = self
            .unless_flooded(&mut d, f_name, "reset its connection")
            .await
        else {
            return Ok(());
        };
        let line = self.msgs(&seen).into_iter().find(|l| l.contains(f_name));
        let again = line
            .as_deref()
            .and_then(|l| template(l, Some(f_name), None));
        if self.leave.is_some() && again != self.leave {
            self.draft.unsure(
                "leave",
                format!(
                    "when {f_name} reset its connection, {d_name} received {}",
                    line.map_or("nothing about it".to_string(), |l| q(&l))
                ),
            );
        }
        Ok(())
    }

    /// The fragile steps stopped because of `why`: the draft keeps what the room showed, says
    /// what happened, and keeps the protocol's `error` and `reject` where no refusal was seen.
    pub fn fragile_stopped(&mut self, why: &str) {
        self.draft.general(format!(
            "UNSURE: the steps that can hurt a fragile server (a close before the name, a taken \
             name, a reset) stopped: {why}. The keys below were learned before them; the suite's \
             tests of those steps (JOIN-7, INPUT-2, LEAVE-2) will say what breaks"
        ));
        if !self.draft.has("error") {
            self.draft.set(
                "error",
                format!("{}{{reason}}", chat_protocol::wording::ERROR_PREFIX),
                "UNSURE: no refusal was seen (the steps that can hurt the server stopped)",
            );
        }
        if !self.draft.has("reject") {
            self.draft.set("reject", "close", "UNSURE: see error");
        }
    }

    fn learn_reject(&mut self, got: &Gathered, holder_saw: &[String], name: &str) {
        let lines = self.msgs(got);
        let prompt = self.prompt.trim();
        let is_prompt = |l: &str| !prompt.is_empty() && l.trim() == prompt;
        let error = lines.iter().find(|l| !is_prompt(l));
        let reprompted = lines.iter().skip(1).any(|l| is_prompt(l));
        if holder_saw.iter().any(|l| l.contains(name))
            || (!got.closed && !reprompted && error.is_some_and(|l| l.contains(name)))
        {
            self.draft.set(
                "error",
                format!("{}{{reason}}", chat_protocol::wording::ERROR_PREFIX),
                format!(
                    "UNSURE: a second {name} seemed accepted: no refusal to learn the wording from"
                ),
            );
            self.draft.set("reject", "close", "UNSURE: see error");
            return;
        }
        match error {
            Some(line) => self.draft.set(
                "error",
                error_template(line),
                format!("a second {name} received {}", q(line)),
            ),
            None => self.draft.set(
                "error",
                format!("{}{{reason}}", chat_protocol::wording::ERROR_PREFIX),
                format!(
                    "UNSURE: a second {name} received no line{}",
                    if got.closed { " before the close" } else { "" }
                ),
            ),
        }
        if got.closed || !reprompted {
            self.draft.set(
                "reject",
                "close",
                if got.closed {
                    "the server then closed the connection"
                } else {
                    "UNSURE: the connection stayed open, but no prompt came again"
                },
            );
        } else {
            self.draft.set(
                "reject",
                "close",
                "OBSERVED: the taken name was refused and the prompt came again. The protocol \
                 closes the connection after the error (INPUT-2). If your assignment asks for \
                 that, set reject = \"reprompt\"",
            );
        }
    }
}
