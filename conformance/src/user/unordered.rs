//! What the protocol leaves unordered for one user: which events may legitimately arrive
//! before the one a test is waiting for, so that waiting for it holds them back instead of
//! failing.
//!
//! Only private replies are unordered against broadcasts. A joiner's welcome (JOIN-5) and
//! its own join line (`announce_self`) may come after broadcasts about other users that the
//! server ordered first: with users joining concurrently, a correct server may deliver
//! someone else's join before the joiner's welcome. Everything else the tests wait for is
//! ordered by the protocol (per-sender order ORDER-1, one total order ORDER-2, nothing after
//! a leave LEAVE-3), so there an unexpected event is still a failure.

use crate::wire::Event;

/// True when `got` may arrive, at the user whose wire name is `me`, before `want` in a
/// correct server: waiting for `want` may then hold `got` back for the test's later checks.
pub(crate) fn may_arrive_before(got: &Event, want: &Event, me: &str) -> bool {
    match want {
        Event::Welcome { .. } => is_broadcast(got),
        Event::Join { user } if user == me => is_broadcast(got) && got.user() != Some(me),
        _ => false,
    }
}

/// A join, leave or chat line: something the server sends to a whole room.
fn is_broadcast(event: &Event) -> bool {
    matches!(
        event,
        Event::Join { .. } | Event::Leave { .. } | Event::Chat { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_welcome_may_come_after_others_broadcasts() {
        let welcome = Event::Welcome { user: "ana".into() };
        assert!(may_arrive_before(&Event::join("beto"), &welcome, "ana"));
        assert!(may_arrive_before(
            &Event::chat("beto", "hola"),
            &welcome,
            "ana"
        ));
        // The joiner's own join line (announce_self) may come first too.
        assert!(may_arrive_before(&Event::join("ana"), &welcome, "ana"));
        assert!(!may_arrive_before(&Event::Prompt, &welcome, "ana"));
        assert!(!may_arrive_before(
            &Event::Other("x".into()),
            &welcome,
            "ana"
        ));
    }

    #[test]
    fn an_own_join_may_come_after_other_joins() {
        let own = Event::join("ana");
        assert!(may_arrive_before(&Event::join("beto"), &own, "ana"));
        assert!(!may_arrive_before(&Event::join("ana"), &own, "ana"));
        assert!(!may_arrive_before(
            &Event::Error { reason: "x".into() },
            &own,
            "ana"
        ));
    }

    #[test]
    fn broadcasts_stay_ordered() {
        // Waiting for beto's join or a chat line holds nothing back: those are ordered.
        let beto = Event::join("beto");
        assert!(!may_arrive_before(&Event::join("carla"), &beto, "ana"));
        let chat = Event::chat("beto", "2");
        assert!(!may_arrive_before(&Event::chat("beto", "1"), &chat, "ana"));
        assert!(!may_arrive_before(&Event::leave("beto"), &chat, "ana"));
    }
}
