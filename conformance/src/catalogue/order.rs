//! `order`: per-sender order at every receiver (ORDER-1), and one total order that every
//! receiver agrees on (ORDER-2).

use super::support::{send_concurrently, settle};
use crate::case::TestCase;
use crate::check::Delivery;
use crate::user::User;

/// The group, in the order the tests run.
pub fn tests() -> Vec<TestCase> {
    vec![per_sender(), total()]
}

fn per_sender() -> TestCase {
    TestCase::core(
        "order.per_sender",
        "ORDER-1",
        "one sender's burst of 200 messages arrives in order at every receiver",
    )
    .steps(
        "ana, beto and carla join; ana sends 200 numbered messages as fast as it can; beto \
         and carla must receive them in the order sent.",
    )
    .causes(
        "each delivery sent from its own thread; a per-message thread pool; messages queued \
         in a set or dict instead of a FIFO.",
    )
    .run(|s| async move {
        let [mut ana, mut beto, mut carla] = s.room(["ana", "beto", "carla"]).await?;
        let mut delivery = Delivery::for_profile(s.profile());
        for k in 1..=200 {
            let text = format!("ana #{k:03}");
            ana.say(&text).await?;
            delivery.sent(&ana.wire, &text);
        }
        let before = s.barrier(&mut ana, &mut [&mut beto, &mut carla]).await?;
        for (user, events) in [&beto, &carla].into_iter().zip(before) {
            delivery.name(&user.wire, &user.name);
            delivery.received(&user.wire, events);
        }
        delivery.judge(false)?;
        Ok(())
    })
}

fn total() -> TestCase {
    TestCase::core(
        "order.total",
        "ORDER-2",
        "with five concurrent senders, all receivers agree on one order",
    )
    .steps(
        "six users join; five of them send 60 numbered messages each at the same time; the \
         sixth only listens; every pair of users must have received the messages they share \
         in the same relative order.",
    )
    .causes(
        "broadcast without a lock (each handler writes to each socket whenever it likes); \
         deliveries from per-message threads.",
    )
    .run(|mut s| async move {
        let names = ["ana", "beto", "carla", "dani", "eva", "fede"];
        let mut users = s.join_all(&names).await?;
        let mut delivery = Delivery::for_profile(s.profile());
        // ana only listens; the five others send at once.
        let listener = users.remove(0);
        let texts = |user: &User| -> Vec<String> {
            (1..=60).map(|k| format!("{} #{k:02}", user.name)).collect()
        };
        let mut users = send_concurrently(users, texts, &mut delivery).await?;
        users.insert(0, listener);
        settle(&mut s, &mut users, &mut delivery).await
    })
}
