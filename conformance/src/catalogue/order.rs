//! `order`: per-sender order at every receiver (ORDER-1), and one total order that every
//! receiver agrees on (ORDER-2).

use super::{BUDGET, TestCase, boxed};
use crate::check::Delivery;
use crate::model::Level;
use crate::session::{Failure, Outcome, Session};
use crate::user::User;

pub fn tests() -> Vec<TestCase> {
    vec![
        TestCase {
            id: "order.per_sender",
            level: Level::Core,
            requirement: "ORDER-1",
            title: "one sender's burst of 200 messages arrives in order at every receiver",
            steps: "ana, beto and carla join; ana sends 200 numbered messages as fast as it \
                    can; beto and carla must receive them in the order sent.",
            causes: "each delivery sent from its own thread; a per-message thread pool; \
                     messages queued in a set or dict instead of a FIFO.",
            budget: BUDGET,
            run: |s| boxed(per_sender(s)),
        },
        TestCase {
            id: "order.total",
            level: Level::Core,
            requirement: "ORDER-2",
            title: "with five concurrent senders, all receivers agree on one order",
            steps: "six users join; five of them send 60 numbered messages each at the same \
                    time; the sixth only listens; every pair of users must have received the \
                    messages they share in the same relative order.",
            causes: "broadcast without a lock (each handler writes to each socket whenever it \
                     likes); deliveries from per-message threads.",
            budget: BUDGET,
            run: |s| boxed(total(s)),
        },
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
    let users = s.join_all(&names).await?;
    let mut delivery = Delivery::new(s.profile().echo);
    let mut users = users.into_iter();
    let mut listener = users.next().expect("six users");
    let mut tasks = Vec::new();
    for mut user in users {
        let texts: Vec<String> = (1..=60).map(|k| format!("{} #{k:02}", user.name)).collect();
        for text in &texts {
            delivery.sent(&user.wire, text);
        }
        tasks.push(tokio::spawn(async move {
            for text in &texts {
                user.say(text).await?;
            }
            Ok::<User, Failure>(user)
        }));
    }
    let mut senders = Vec::new();
    for task in tasks {
        match task.await {
            Ok(result) => senders.push(result?),
            Err(e) => return Err(Failure::new("every sender finishes", e.to_string()).into()),
        }
    }
    // Each sender's sentinel, seen by everyone else; collect what came before.
    let mut collected = vec![Vec::new(); senders.len() + 1];
    for i in 0..senders.len() {
        let (left, rest) = senders.split_at_mut(i);
        let (sender, right) = rest.split_first_mut().expect("i < len");
        let mut observers: Vec<&mut User> = std::iter::once(&mut listener)
            .chain(left.iter_mut())
            .chain(right.iter_mut())
            .collect();
        let before = s.barrier(sender, &mut observers).await?;
        let slots = std::iter::once(0).chain((1..=senders.len()).filter(|&j| j != i + 1));
        for (slot, events) in slots.zip(before) {
            collected[slot].extend(events);
        }
    }
    let everyone = std::iter::once(&listener).chain(senders.iter());
    for (user, events) in everyone.zip(collected) {
        delivery.name(&user.wire, &user.name);
        delivery.received(&user.wire, events);
    }
    delivery.judge(true)?;
    Ok(())
}
