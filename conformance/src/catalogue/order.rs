//! `order`: per-sender order at every receiver (ORDER-1), and one total order that every
//! receiver agrees on (ORDER-2).

use super::support::{send_concurrently, settle};
use crate::case::TestCase;
use crate::check::Delivery;
use crate::session::Session;
use crate::user::User;
use crate::verdict::Outcome;

pub fn tests() -> Vec<TestCase> {
    vec![
        TestCase::core(
            "order.per_sender",
            "ORDER-1",
            "one sender's burst of 200 messages arrives in order at every receiver",
        )
        .steps(
            "ana, beto and carla join; ana sends 200 numbered messages as fast as it \
                    can; beto and carla must receive them in the order sent.",
        )
        .causes(
            "each delivery sent from its own thread; a per-message thread pool; \
                     messages queued in a set or dict instead of a FIFO.",
        )
        .run(per_sender),
        TestCase::core(
            "order.total",
            "ORDER-2",
            "with five concurrent senders, all receivers agree on one order",
        )
        .steps(
            "six users join; five of them send 60 numbered messages each at the same \
                    time; the sixth only listens; every pair of users must have received the \
                    messages they share in the same relative order.",
        )
        .causes(
            "broadcast without a lock (each handler writes to each socket whenever it \
                     likes); deliveries from per-message threads.",
        )
        .run(total),
    ]
}

async fn per_sender(mut s: Session) -> Outcome {
    let mut users = s.join_all(&["ana", "beto", "carla"]).await?;
    let mut delivery = Delivery::new(s.profile().echo);
    let texts: Vec<String> = (1..=200).map(|k| format!("ana #{k:03}")).collect();
    {
        let ana = &mut users[0];
        for text in &texts {
            ana.say(text).await?;
            delivery.sent(&ana.wire, text);
        }
    }
    let (ana, rest) = users.split_first_mut().expect("three users");
    let mut observers: Vec<&mut User> = rest.iter_mut().collect();
    let before = s.barrier(ana, &mut observers).await?;
    for (user, events) in rest.iter().zip(before) {
        delivery.name(&user.wire, &user.name);
        delivery.received(&user.wire, events);
    }
    delivery.judge(false)?;
    Ok(())
}

async fn total(mut s: Session) -> Outcome {
    let names = ["ana", "beto", "carla", "dani", "eva", "fede"];
    let mut users = s.join_all(&names).await?;
    let mut delivery = Delivery::new(s.profile().echo);
    // ana only listens; the five others send at once.
    let listener = users.remove(0);
    let texts = |user: &User| -> Vec<String> {
        (1..=60).map(|k| format!("{} #{k:02}", user.name)).collect()
    };
    let mut users = send_concurrently(users, texts, &mut delivery).await?;
    users.insert(0, listener);
    settle(&mut s, &mut users, &mut delivery).await
}
