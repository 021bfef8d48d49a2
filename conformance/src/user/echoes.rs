//! A user's own echoes, for profiles whose server sends every chat line back to its sender
//! too (`echo = true`): each line the user says is expected back once, in the order said.
//!
//! The user consumes its own echoes as they arrive, so the tests' other expectations,
//! barriers and delivery checks never see them: an expected echo is neither lost nor
//! unexpected. What does not fit is kept as a fault for [`User::expect_own_echoes`]
//! (an echo that overtook an earlier one), or not consumed at all (one more copy of a line
//! already echoed, or of a line never said), so the tests see it and fail on it.
//!
//! [`User::expect_own_echoes`]: super::User::expect_own_echoes

use std::collections::VecDeque;

/// Lines said and not yet echoed, in the order said, and what went wrong so far.
#[derive(Debug, Default)]
pub(crate) struct OwnEchoes {
    awaited: VecDeque<String>,
    faults: Vec<String>,
}

/// Most faults kept; the rest are counted in the last one.
const FAULTS_KEPT: usize = 5;

impl OwnEchoes {
    /// The user said `text`: it must come back once, after everything said before it.
    pub(crate) fn said(&mut self, text: &str) {
        self.awaited.push_back(text.to_string());
    }

    /// The user received its own chat line `text`. True when it was an awaited echo (now
    /// consumed); false when nothing awaited it (a second copy, or a line never said).
    pub(crate) fn received(&mut self, text: &str) -> bool {
        let Some(at) = self.awaited.iter().position(|t| t == text) else {
            return false;
        };
        if at > 0 && self.faults.len() < FAULTS_KEPT {
            self.faults.push(format!(
                "own {} came back before the earlier {}",
                crate::wire::quoted(text),
                crate::wire::quoted(&self.awaited[0])
            ));
        }
        self.awaited.remove(at);
        true
    }

    /// The first line said that has not come back yet.
    pub(crate) fn first_awaited(&self) -> Option<&str> {
        self.awaited.front().map(String::as_str)
    }

    /// What went wrong so far (echoes out of the order said), taken once.
    pub(crate) fn take_faults(&mut self) -> Vec<String> {
        std::mem::take(&mut self.faults)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoes_in_order_are_consumed_once() {
        let mut echoes = OwnEchoes::default();
        echoes.said("1");
        echoes.said("2");
        assert!(echoes.received("1"));
        assert_eq!(echoes.first_awaited(), Some("2"));
        assert!(echoes.received("2"));
        assert_eq!(echoes.first_awaited(), None);
        // A second copy is nobody's echo: the tests must see it.
        assert!(!echoes.received("2"));
        assert!(echoes.take_faults().is_empty());
    }

    #[test]
    fn a_line_never_said_is_not_an_echo() {
        let mut echoes = OwnEchoes::default();
        echoes.said("1");
        assert!(!echoes.received("otro"));
        assert_eq!(echoes.first_awaited(), Some("1"));
    }

    #[test]
    fn an_echo_out_of_order_is_a_fault() {
        let mut echoes = OwnEchoes::default();
        echoes.said("1");
        echoes.said("2");
        assert!(echoes.received("2"));
        assert_eq!(echoes.first_awaited(), Some("1"));
        let faults = echoes.take_faults();
        assert_eq!(faults.len(), 1);
        assert!(faults[0].contains("\"2\" came back before the earlier \"1\""));
        assert!(echoes.received("1"));
        assert!(echoes.take_faults().is_empty());
    }
}
