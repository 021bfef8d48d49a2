//! `scale`: hundreds of users at once (SCALE-1), idle users are kept (SCALE-2).

use std::time::Duration;

use super::support::settle_from;
use crate::case::TestCase;
use crate::check::Delivery;
use crate::wire::Event;

/// The group, in the order the tests run.
pub fn tests() -> Vec<TestCase> {
    vec![many_users(), idle_kept()]
}

/// Users connected at once.
const USERS: usize = 200;

fn many_users() -> TestCase {
    TestCase::strict(
        "scale.many_users",
        "SCALE-1",
        "200 users at once: every broadcast reaches all of them exactly once",
    )
    .steps(
        "200 users join one after another, each join seen by everyone already present; then \
         the first, the 100th and the last each send one message; after a sentinel from each \
         of the three, each of the other 199 users must have received each message exactly \
         once, all in the same order.",
    )
    .causes(
        "a fixed-size client table or thread pool (e.g. 100 slots, or `listen(5)` with a slow \
         accept loop); broadcast gives up on the rest of the list after one failed send; O(n) \
         work per message done while holding the lock with a sleep or a blocking call inside.",
    )
    .budget(Duration::from_secs(30))
    .run(|mut s| async move {
        let names: Vec<String> = (1..=USERS).map(|i| format!("u{i:03}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut users = s.join_all(&refs).await?;
        let mut delivery = Delivery::for_profile(s.profile());
        let senders = [0, USERS / 2 - 1, USERS - 1];
        for &i in &senders {
            let user = &mut users[i];
            let text = format!("hola a todos de parte de {}", user.name);
            user.say(&text).await?;
            delivery.sent(&user.wire, &text);
        }
        settle_from(&mut s, &mut users, &senders, &mut delivery).await
    })
}

fn idle_kept() -> TestCase {
    TestCase::strict(
        "scale.idle_kept",
        "SCALE-2",
        "a user that stays silent for 2 seconds is still connected and reachable",
    )
    .steps(
        "ana and beto join; ana sends nothing for 2 seconds (it keeps reading); then beto \
         says `¿sigues ahí?` and ana must receive it; ana answers and beto must receive that.",
    )
    .causes(
        "a read timeout on the client socket (`settimeout`) taken as a disconnection; an \
         idle-kick that is far too eager; the handler treats `socket.timeout` like an empty \
         read and cleans up.",
    )
    .run(|s| async move {
        let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
        // deliberate idle period: this test is about time passing, not synchronisation
        tokio::time::sleep(Duration::from_secs(2)).await;
        beto.say("¿sigues ahí?").await?;
        ana.expect(&Event::chat(&beto, "¿sigues ahí?")).await?;
        ana.say("sí, aquí sigo").await?;
        beto.expect(&Event::chat(&ana, "sí, aquí sigo")).await?;
        Ok(())
    })
}
