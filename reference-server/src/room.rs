//! The room: who is in the chat, behind ONE lock. This is the seed's `self.clients` list plus
//! its `clients_lock = threading.Lock()`, with `add`, `remove` and `broadcast` as the only
//! ways to touch it.
//!
//! # Concurrency, for a student who knows the seed
//!
//! - **One `Mutex` around the whole registry** ([`Room`]), like the seed's `clients_lock`. Every
//!   operation takes it once and does all its work inside: checking a name and inserting it
//!   (so two clients can never both get the same name), or sending a line to everyone.
//! - **Broadcasting under the lock keeps the order.** Because each broadcast puts its lines into
//!   every member's queue while holding the lock, two broadcasts can never interleave: every
//!   receiver gets all lines (chat, join, leave) in the same relative order (ORDER-2), and each
//!   sender's lines in the order it sent them (ORDER-1).
//! - **…but nobody touches a socket under the lock.** The seed calls `sendall` under the lock,
//!   so one client that stops reading blocks the lock forever. Here broadcasting only pushes
//!   onto each member's bounded [`Outbox`]; the member's own writer thread does the slow part.
//!   A member whose outbox overflows `--max-queue` (only one that has stopped reading can get
//!   there, see below) is removed right there, its socket is shut down, and its leave is
//!   announced to the others — still under the same lock, so still in order (SLOW-1).
//! - **…and nobody waits for a wake-up call under the lock either.** Waking a sleeping writer
//!   is a system call and often a context switch; made for up to every member while holding
//!   the lock, it kept every other sender queued on the lock and made the room 20× slower.
//!   So a broadcast only enqueues under the lock and wakes the writers once it has let go.
//! - **…and a sender faster than the room waits, outside the lock (back-pressure).** Queues
//!   alone turn a flood into full queues, and a full queue used to mean a dropped reader. Now
//!   a chat broadcast first looks, under the lock, whether any receiver's queue is above its
//!   high-water mark ([`Outbox::is_congested`]); if one is, it adds nothing to anyone,
//!   releases the lock and waits for that queue to drain ([`Outbox::wait_drained`]), then
//!   tries again. All or nothing, under the lock, so the order is kept (ORDER-1, ORDER-2).
//!   While it waits, its handler reads nothing more, so TCP slows the flooding client down;
//!   with many moderate senders, they all slow down together. Joins and leaves never wait:
//!   a departing client must never be held up by another. A receiver that stops reading
//!   holds the senders back for about `--stall-timeout` once its socket buffers are full:
//!   then its writer gives up and the client is disconnected (SLOW-1, SLOW-2; see
//!   [`crate::outbox`], lesson 3).
//! - **Lock order**: the room lock may be held while taking an outbox's lock, never the other
//!   way round, so the two cannot deadlock. A sender waits for a queue to drain without the
//!   room lock, and a queue is drained by its writer thread, which waits for nothing but its
//!   socket: no sender can wait for another in a circle. Logging happens after the lock is
//!   released (a blocked stderr must not freeze the room).
//! - **Poisoning**: if a thread panicked while holding the lock, the registry is still used
//!   (`PoisonError::into_inner`). Every change is one `HashMap` insert or remove, which cannot
//!   be left half done, so the data is consistent; refusing to serve everyone else because of
//!   one crashed handler would be worse.

use std::collections::{HashMap, VecDeque};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chat_protocol::wording;

use crate::outbox::{Bytes, Outbox, Wake, encode, encode_all};

/// Identifies one connection for its whole life. Names are reused after a leave (CLEAN-1), so
/// removing "by name" could remove the wrong client; removing "by name and id" cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientId(pub u64);

/// What the room keeps for each member: the seed keeps just the socket; we keep the queue its
/// writer thread drains, and the socket only to shut it down if the member is too slow.
#[derive(Debug)]
pub struct Member {
    id: ClientId,
    outbox: Arc<Outbox>,
    stream: Arc<TcpStream>,
}

impl Member {
    /// A member whose lines go to `outbox` and whose connection is `stream`.
    pub fn new(id: ClientId, outbox: Arc<Outbox>, stream: Arc<TcpStream>) -> Self {
        Member { id, outbox, stream }
    }

    /// Disconnects a member that cannot keep up: drops its backlog and shuts its socket down,
    /// which ends its writer's blocked write and its handler's read.
    fn disconnect(&self) {
        self.outbox.close_discarding();
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

/// The name is taken (INPUT-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameInUse;

/// The shared client registry: names → members, behind one lock.
#[derive(Debug, Default)]
pub struct Room {
    members: Mutex<HashMap<String, Member>>,
}

impl Room {
    /// An empty room.
    pub fn new() -> Self {
        Room::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Member>> {
        self.members.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `member` as `name`, or fails with [`NameInUse`] and changes nothing.
    ///
    /// All under one lock: the name check and the insertion (no two clients get one name), the
    /// welcome line as the very first line in the joiner's queue (JOIN-5), and the join line
    /// to everyone already present (JOIN-2). The join is sent before the joiner is inserted,
    /// so the joiner never sees its own join (JOIN-3) nor anything older (JOIN-4).
    pub fn add(&self, name: &str, member: Member) -> Result<(), NameInUse> {
        let after = {
            let mut members = self.lock();
            if members.contains_key(name) {
                return Err(NameInUse);
            }
            // Cannot overflow: the queue is empty and a line always fits an empty queue.
            let _ = member.outbox.push(encode(&wording::welcome_line(name)));
            let after = broadcast_locked(&mut members, None, encode(&wording::join_line(name)));
            members.insert(name.to_owned(), member);
            after
        };
        after.run();
        Ok(())
    }

    /// Removes the member `name` with connection `id` and announces its leave to everyone left
    /// (LEAVE-1). Returns false, and announces nothing, when it was no longer there (it was
    /// already disconnected as too slow, and that leave was announced then): so every leave is
    /// announced exactly once, whichever path notices it first.
    pub fn remove(&self, name: &str, id: ClientId) -> bool {
        let after = {
            let mut members = self.lock();
            if members.get(name).is_none_or(|m| m.id != id) {
                return false;
            }
            members.remove(name);
            broadcast_locked(&mut members, None, encode(&wording::leave_line(name)))
        };
        after.run();
        true
    }

    /// The seed's `broadcast()`: sends `lines`, a burst of one sender's chat lines (often just
    /// one), to every member except that sender, `name` with connection `id` (CHAT-1, CHAT-2).
    ///
    /// How it departs from the seed, and why:
    /// - **Formatted once, sent as one buffer.** The lines are encoded into one shared buffer
    ///   ([`encode_all`]) that every receiver's queue points to: no copy per receiver, and a
    ///   burst from a fast sender costs each receiver one queue entry instead of one per line.
    ///   The lines stay together and in order (ORDER-1, ORDER-2).
    /// - **The lock is held only to enqueue.** Under the room lock the buffer is only pushed
    ///   onto each member's [`Outbox`]; no socket is written (the member's writer thread does
    ///   that), so a client that stops reading cannot freeze the room (SLOW-1).
    /// - **Writers are woken after the lock is released**, so no sender waits on the lock
    ///   while another makes up to one wake-up system call per member.
    /// - **A sender faster than its readers waits** (back-pressure, SLOW-2): while any
    ///   receiver's queue is above its high-water mark, nothing is queued; the sender waits,
    ///   without the lock, until that queue has drained to its low-water mark or closed, and
    ///   tries again. So this call may block: for as long as the slowest reader that still
    ///   reads needs, or at most about `--stall-timeout` for one that has stopped.
    ///
    /// Does nothing if the sender is not (or no longer) a member, so nothing more is delivered
    /// from a client that has left (LEAVE-3). Returns false in that case.
    pub fn broadcast(&self, name: &str, id: ClientId, lines: &[impl AsRef<str>]) -> bool {
        let bytes = encode_all(lines);
        loop {
            let after = {
                let mut members = self.lock();
                if members.get(name).is_none_or(|m| m.id != id) {
                    return false;
                }
                let congested = members
                    .values()
                    .find(|m| m.id != id && m.outbox.is_congested());
                match congested {
                    Some(member) => Err(Arc::clone(&member.outbox)),
                    None => Ok(broadcast_locked(&mut members, Some(id), bytes.clone())),
                }
            };
            match after {
                Ok(after) => {
                    after.run();
                    return true;
                }
                Err(congested) => congested.wait_drained(),
            }
        }
    }

    /// How many users are in the room.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when nobody is in the room.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a broadcast leaves to do once the lock is released: writers to wake, and the names
/// of members dropped as too slow, to log.
#[derive(Debug, Default)]
struct AfterUnlock {
    wake: Vec<Arc<Outbox>>,
    dropped: Vec<String>,
}

impl AfterUnlock {
    fn run(self) {
        for outbox in self.wake {
            outbox.wake();
        }
        log_dropped(&self.dropped);
    }
}

/// Queues `line` for every member but `except`, with the lock held. A member whose queue
/// overflows is removed and disconnected, and its leave is then broadcast the same way (which
/// may in turn drop another slow member). Returns what is left to do after unlocking.
fn broadcast_locked(
    members: &mut HashMap<String, Member>,
    except: Option<ClientId>,
    line: Bytes,
) -> AfterUnlock {
    let mut after = AfterUnlock::default();
    let mut pending = VecDeque::from([(except, line)]);
    while let Some((except, line)) = pending.pop_front() {
        let mut too_slow = Vec::new();
        for (name, member) in members.iter().filter(|(_, m)| Some(m.id) != except) {
            match member.outbox.enqueue(line.clone()) {
                Ok(Wake::Writer) => after.wake.push(Arc::clone(&member.outbox)),
                Ok(Wake::Nobody) => {}
                Err(_) => too_slow.push(name.clone()),
            }
        }
        for name in too_slow {
            if let Some(member) = members.remove(&name) {
                member.disconnect();
                pending.push_back((None, encode(&wording::leave_line(&name))));
                after.dropped.push(name);
            }
        }
    }
    after
}

fn log_dropped(dropped: &[String]) {
    for name in dropped {
        crate::log!("reference-server: {name} disconnected: too slow (outbound queue full)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writer::run_writer;
    use std::net::TcpListener;
    use std::sync::mpsc;
    use std::thread;
    use std::time::{Duration, Instant};

    /// A connected socket for a member (the room only ever shuts it down).
    fn socket(listener: &TcpListener) -> Arc<TcpStream> {
        Arc::new(TcpStream::connect(listener.local_addr().unwrap()).unwrap())
    }

    struct Fixture {
        listener: TcpListener,
        room: Room,
        next: u64,
    }

    impl Fixture {
        fn new() -> Self {
            Fixture {
                listener: TcpListener::bind("127.0.0.1:0").unwrap(),
                room: Room::new(),
                next: 0,
            }
        }

        fn member(&mut self, max_queue: usize) -> (ClientId, Arc<Outbox>, Member) {
            self.next += 1;
            let id = ClientId(self.next);
            let outbox = Arc::new(Outbox::new(max_queue));
            let member = Member::new(id, Arc::clone(&outbox), socket(&self.listener));
            (id, outbox, member)
        }

        fn join(&mut self, name: &str) -> (ClientId, Arc<Outbox>) {
            let (id, outbox, member) = self.member(1 << 20);
            self.room.add(name, member).unwrap();
            (id, outbox)
        }
    }

    /// Everything queued in `outbox`, as text (closes it).
    fn drained(outbox: &Outbox) -> String {
        outbox.close();
        let mut out = Vec::new();
        run_writer(outbox, &mut out, Duration::ZERO).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn join_2_3_5_welcome_first_then_join_to_the_others_only() {
        let mut f = Fixture::new();
        let (_, ana) = f.join("ana");
        let (_, bob) = f.join("bob");
        assert_eq!(
            drained(&ana),
            "Bienvenido al chat, ana. Escribe 'salir' para salir.\nbob se ha unido al chat\n"
        );
        assert_eq!(
            drained(&bob),
            "Bienvenido al chat, bob. Escribe 'salir' para salir.\n"
        );
    }

    #[test]
    fn input_2_a_taken_name_changes_nothing() {
        let mut f = Fixture::new();
        let (_, ana) = f.join("ana");
        let (_, dup_outbox, dup) = f.member(1 << 20);
        assert_eq!(f.room.add("ana", dup), Err(NameInUse));
        assert_eq!(f.room.len(), 1);
        assert_eq!(drained(&dup_outbox), "");
        assert_eq!(
            drained(&ana),
            "Bienvenido al chat, ana. Escribe 'salir' para salir.\n"
        );
    }

    #[test]
    fn chat_2_leave_3_broadcast_skips_the_sender_and_non_members() {
        let mut f = Fixture::new();
        let (ana_id, ana) = f.join("ana");
        let (_, bob) = f.join("bob");
        assert!(f.room.broadcast("ana", ana_id, &["ana: hola"]));
        assert!(!f.room.broadcast("ana", ClientId(999), &["ana: impostor"]));
        assert!(!f.room.broadcast("nadie", ana_id, &["nadie: hola"]));
        assert!(f.room.broadcast("ana", ana_id, &["ana: a", "ana: b"]));
        assert!(drained(&bob).ends_with("\nana: hola\nana: a\nana: b\n"));
        assert!(!drained(&ana).contains("hola"));
    }

    #[test]
    fn leave_1_clean_1_remove_announces_once_and_only_for_the_same_connection() {
        let mut f = Fixture::new();
        let (_, ana) = f.join("ana");
        let (bob_id, _) = f.join("bob");
        assert!(f.room.remove("bob", bob_id));
        assert!(!f.room.remove("bob", bob_id));
        // A new "bob" is not removed by the old connection's late cleanup.
        let (_, _) = f.join("bob");
        assert!(!f.room.remove("bob", bob_id));
        assert_eq!(f.room.len(), 2);
        assert_eq!(
            drained(&ana),
            "Bienvenido al chat, ana. Escribe 'salir' para salir.\n\
             bob se ha unido al chat\nbob ha salido del chat\nbob se ha unido al chat\n"
        );
    }

    #[test]
    fn slow_1_a_member_whose_queue_overflows_is_dropped_and_announced_once() {
        let mut f = Fixture::new();
        let (_, ana) = f.join("ana");
        // slow's queue holds its welcome line and nothing more.
        let (slow_id, slow_outbox, slow) = f.member(10);
        f.room.add("slow", slow).unwrap();
        let (bob_id, _) = f.join("bob"); // overflows slow's queue
        assert_eq!(f.room.len(), 2);
        assert!(
            !f.room.remove("slow", slow_id),
            "already removed and announced"
        );
        assert!(f.room.broadcast("bob", bob_id, &["bob: hola"]));
        assert_eq!(
            drained(&ana),
            "Bienvenido al chat, ana. Escribe 'salir' para salir.\n\
             slow se ha unido al chat\nbob se ha unido al chat\nslow ha salido del chat\n\
             bob: hola\n"
        );
        assert_eq!(drained(&slow_outbox), "", "backlog discarded");
    }

    #[test]
    fn slow_2_a_broadcast_waits_while_a_receiver_is_congested_and_keeps_the_order() {
        let mut f = Fixture::new();
        let (ana_id, _) = f.join("ana");
        let (_, bob) = f.join("bob");
        // slow's queue: at most 100 bytes, high water 50; its welcome line alone is above.
        let (_, slow_outbox, slow) = f.member(100);
        f.room.add("slow", slow).unwrap();
        assert!(slow_outbox.is_congested());
        let (_, _, carl) = f.member(1 << 20);

        thread::scope(|scope| {
            let (done_tx, done) = mpsc::channel();
            let room = &f.room;
            scope.spawn(move || done_tx.send(room.broadcast("ana", ana_id, &["ana: hola"])));
            let deadline = Instant::now() + Duration::from_secs(10);
            while slow_outbox.senders_waiting() == 0 {
                assert!(Instant::now() < deadline, "ana's broadcast never waited");
                thread::yield_now();
            }
            // A join never waits, and overtakes the chat line held back.
            f.room.add("carl", carl).unwrap();
            assert!(done.try_recv().is_err(), "ana's broadcast went through");
            // slow's writer sends everything: the broadcast goes on.
            let mut batch = Vec::new();
            assert!(slow_outbox.take_all(&mut batch));
            slow_outbox.sent(batch.iter().map(|b| b.len()).sum());
            let sent = done.recv_timeout(Duration::from_secs(10));
            assert_eq!(sent, Ok(true), "ana's broadcast ends once slow has drained");
        });
        assert!(
            drained(&bob)
                .ends_with("\nslow se ha unido al chat\ncarl se ha unido al chat\nana: hola\n")
        );
        assert_eq!(drained(&slow_outbox), "ana: hola\n");
    }
}
