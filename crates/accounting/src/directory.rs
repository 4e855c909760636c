//! The read-mostly map the tracker consults to open a session: passkey ->
//! member ([`Members`]), and the ids and release details the ledger keeps.
//!
//! Every announce that opens a session reads it, up to hundreds of
//! thousands a second after a restart; the portal changes it a few times
//! a minute (a passkey rotated, an account disabled). So
//! it is split into shards, and each shard is an immutable `HashMap`
//! behind an `ArcSwap`: a read is an atomic load and a probe,
//! with no lock and no write to a shared cache line; a change copies one
//! shard (1/64 of the map) and swaps it in. A writer lock only orders
//! writers. Changes are visible to the next announce. Beside it, the
//! ratio rule's history of the members it holds back
//! ([`crate::history`]), behind locks of its own.

use arc_swap::ArcSwap;
use foldhash::fast::RandomState;
use foldhash::{HashMap, HashMapExt};
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::sync::{Arc, Mutex};

const SHARDS: usize = 64;

/// A sharded copy-on-write map.
///
/// Hashed with foldhash (seeded per map) rather than std's SipHash: the
/// keys are server-made passkeys, so an announcer cannot choose what is
/// stored, only what is looked up, and foldhash takes a fraction of
/// SipHash's time on these 16-byte keys.
pub(crate) struct SnapshotMap<K, V> {
    shards: Box<[ArcSwap<HashMap<K, V>>]>,
    hasher: RandomState,
    writer: Mutex<()>,
}

impl<K: Hash + Eq + Clone, V: Clone> SnapshotMap<K, V> {
    pub(crate) fn new() -> Self {
        Self {
            shards: (0..SHARDS)
                .map(|_| ArcSwap::from_pointee(HashMap::new()))
                .collect(),
            hasher: RandomState::default(),
            writer: Mutex::new(()),
        }
    }

    fn shard(&self, key: &K) -> usize {
        // The top bits pick the shard; the map in it hashes again with its
        // own seed, so shard and bucket are independent.
        (self.hasher.hash_one(key) >> 58) as usize % SHARDS
    }

    pub(crate) fn get(&self, key: &K) -> Option<V> {
        self.shards[self.shard(key)].load().get(key).cloned()
    }

    /// Applies `change` to a copy of `key`'s shard and swaps it in.
    fn update<R>(&self, key: &K, change: impl FnOnce(&mut HashMap<K, V>) -> R) -> R {
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let slot = &self.shards[self.shard(key)];
        let mut copy = HashMap::clone(&slot.load());
        let result = change(&mut copy);
        slot.store(Arc::new(copy));
        result
    }

    pub(crate) fn insert(&self, key: K, value: V) -> Option<V> {
        let k = key.clone();
        self.update(&k, |map| map.insert(key, value))
    }

    pub(crate) fn remove(&self, key: &K) -> Option<V> {
        self.update(key, |map| map.remove(key))
    }

    /// Makes `entries` the whole map, shard by shard. Returns the keys
    /// that are gone or whose value `kept` says changed too much.
    pub(crate) fn replace_all(
        &self,
        entries: impl IntoIterator<Item = (K, V)>,
        kept: impl Fn(&V, &V) -> bool,
    ) -> Vec<K> {
        let mut fresh: Vec<HashMap<K, V>> = (0..SHARDS).map(|_| HashMap::new()).collect();
        for (key, value) in entries {
            fresh[self.shard(&key)].insert(key, value);
        }
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut gone = Vec::new();
        for (slot, map) in self.shards.iter().zip(fresh) {
            let old = slot.swap(Arc::new(map));
            let new = slot.load();
            gone.extend(
                old.iter()
                    .filter(|(key, value)| new.get(*key).is_none_or(|now| !kept(value, now)))
                    .map(|(key, _)| key.clone()),
            );
        }
        gone
    }

    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.load().len()).sum()
    }
}

/// A member as the tracker knows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: MemberId,
    /// False when the optional minimum-ratio rule stops this member from
    /// starting new downloads (they may finish and seed what they have).
    pub may_start_downloads: bool,
}

/// An account id in the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemberId(pub i64);

/// A release id in the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReleaseId(pub i64);

/// A release as the tracker knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Release {
    pub id: ReleaseId,
    /// Downloads of a freeleech release do not count against ratios.
    pub freeleech: bool,
}

/// What the ledger asks about an announce that would open a session.
pub trait Directory {
    /// Who `passkey` belongs to, if it works.
    fn member(&self, passkey: &crate::Passkey) -> Option<Member>;

    /// Whether a download of `release` by `member` was let in before and
    /// is on record ([`crate::Pending::leeched`]): leeching it again
    /// resumes that download (after `stopped`, a client or tracker
    /// restart, an expired session) rather than starting a new one, so the
    /// minimum-ratio rule lets it through. Asked only about members who
    /// may not start downloads.
    fn has_history(&self, member: MemberId, release: ReleaseId) -> bool;
}

/// A directory that knows who holds a passkey and no history: every
/// download of a member held back by the ratio rule is a new one.
impl<F: Fn(&crate::Passkey) -> Option<Member>> Directory for F {
    fn member(&self, passkey: &crate::Passkey) -> Option<Member> {
        self(passkey)
    }

    fn has_history(&self, _: MemberId, _: ReleaseId) -> bool {
        false
    }
}

/// Passkey -> member, for the members whose accounts may use the tracker
/// (not disabled, not deleted). The portal updates it as it changes
/// accounts, and a resynchronisation from the store replaces it whole.
///
/// A passkey that stops working here has its sessions in the ledger
/// closed too ([`Members::closing_sessions_in`]): the ledger credits an
/// announce with an open session without asking the directory.
pub struct Members {
    map: SnapshotMap<crate::Passkey, Member>,
    /// Bumped by every single change, so that a reload whose database
    /// read raced with one can tell ([`Members::replace_all_if`]).
    generation: std::sync::atomic::AtomicU64,
    ledger: Option<Arc<crate::Ledger>>,
    /// For the members the minimum-ratio rule holds back, the releases
    /// whose download was let in before ([`Directory::has_history`]).
    history: crate::history::History,
}

/// Shows the size only: the keys are secrets.
impl fmt::Debug for Members {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Members")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl Default for Members {
    fn default() -> Self {
        Self::new()
    }
}

impl Members {
    /// A directory whose removals close nothing (no ledger reads it).
    pub fn new() -> Self {
        Self {
            map: SnapshotMap::new(),
            generation: std::sync::atomic::AtomicU64::new(0),
            ledger: None,
            history: crate::history::History::default(),
        }
    }

    /// A directory for `ledger`: every passkey that stops working here
    /// (removed, rotated away, gone or given to another account in a
    /// reload) has its sessions there closed right after.
    pub fn closing_sessions_in(ledger: Arc<crate::Ledger>) -> Self {
        Self {
            ledger: Some(ledger),
            ..Self::new()
        }
    }

    /// `passkey` no longer works: close its sessions (after the change is
    /// visible, so no new one can open; see the ledger's "Passkeys").
    fn revoked(&self, passkey: &crate::Passkey) {
        if let Some(ledger) = &self.ledger {
            ledger.close_passkey(passkey);
        }
    }

    fn changed(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// A counter of single changes; read it before reading the database
    /// for [`Members::replace_all_if`].
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn get(&self, passkey: &crate::Passkey) -> Option<Member> {
        self.map.get(passkey)
    }

    /// Adds or replaces the member under `passkey`.
    pub fn insert(&self, passkey: crate::Passkey, member: Member) {
        let before = self.map.insert(passkey, member);
        self.changed();
        if before.is_some_and(|before| before.id != member.id) {
            self.revoked(&passkey);
        }
    }

    /// Stops `passkey` from working (rotated away, account disabled or
    /// deleted).
    pub fn remove(&self, passkey: &crate::Passkey) -> Option<Member> {
        let removed = self.map.remove(passkey);
        self.changed();
        self.revoked(passkey);
        removed
    }

    /// Moves the member under `old` to `new` (a rotation): from now on
    /// only `new` works. Returns false if `old` was unknown, leaving
    /// `new` unknown too (the next reload from the store adds it).
    pub fn rekey(&self, old: &crate::Passkey, new: crate::Passkey) -> bool {
        let moved = match self.map.remove(old) {
            Some(member) => {
                self.map.insert(new, member);
                true
            }
            None => false,
        };
        self.changed();
        self.revoked(old);
        moved
    }

    /// Makes `members` the whole directory.
    pub fn replace_all(&self, members: impl IntoIterator<Item = (crate::Passkey, Member)>) {
        let gone = self
            .map
            .replace_all(members, |before, now| before.id == now.id);
        if let Some(ledger) = &self.ledger {
            ledger.close_passkeys(gone);
        }
    }

    /// Makes `members` the whole directory unless a single change came
    /// in since [`Members::generation`] returned `generation`: a reload
    /// read before a passkey rotation must not bring the old key back.
    /// Returns whether it replaced. (A change landing between the check
    /// and the swap is possible but needs both within microseconds; the
    /// next reload repairs it.)
    pub fn replace_all_if(
        &self,
        generation: u64,
        members: impl IntoIterator<Item = (crate::Passkey, Member)>,
    ) -> bool {
        if self.generation() != generation {
            return false;
        }
        self.replace_all(members);
        true
    }

    /// Starts a reload of the ratio rule's history: call before reading
    /// the store, and finish it right after the members it goes with are
    /// in place ([`crate::HistoryLoad::finish`]).
    pub fn begin_history_load(&self) -> crate::HistoryLoad<'_> {
        self.history.begin_load()
    }

    /// Adds the (member, release) pairs of a flush's credit that record a
    /// download let in ([`crate::Pending::leeched`]) to the history of the
    /// members held back: a download resumed after its mark left the
    /// ledger, and before the next reload reads the store, is still not a
    /// new one. The flusher calls it when it takes the credit and again
    /// once it is written, so that a reload whose read missed the write
    /// gets the pairs as well. Pairs of a release forgotten before are
    /// skipped.
    pub fn note_transfers(&self, taken: &[crate::Entry]) {
        self.history.note(taken);
    }

    /// Drops `release`, deleted, from the history, and from every later
    /// note (a flush in flight may note it once more): its rows went with
    /// it, and on SQLite its id may be given to a new release, which
    /// nobody has downloaded yet (a download of that one joins the
    /// history at the next reload).
    pub fn forget_release(&self, release: ReleaseId) {
        self.history.forget(release);
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Directory for Members {
    fn member(&self, passkey: &crate::Passkey) -> Option<Member> {
        self.get(passkey)
    }

    fn has_history(&self, member: MemberId, release: ReleaseId) -> bool {
        self.history.contains(member, release)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Passkey;

    fn member(id: i64) -> Member {
        Member {
            id: MemberId(id),
            may_start_downloads: true,
        }
    }

    #[test]
    fn members_are_found_by_passkey_until_removed_or_replaced() {
        let members = Members::new();
        let (a, b) = (Passkey([1; 16]), Passkey([2; 16]));
        members.insert(a, member(1));
        members.insert(b, member(2));
        assert_eq!(members.get(&a), Some(member(1)));
        assert_eq!(members.len(), 2);
        assert_eq!(members.remove(&a), Some(member(1)));
        assert_eq!(members.get(&a), None);
        let c = Passkey([3; 16]);
        assert!(members.rekey(&b, c));
        assert_eq!((members.get(&b), members.get(&c)), (None, Some(member(2))));
        assert!(!members.rekey(&b, a), "an unknown old key moves nothing");
        let seen = members.generation();
        members.insert(b, member(2));
        assert!(!members.replace_all_if(seen, []), "a change came in");
        assert!(members.replace_all_if(members.generation(), [(b, member(2))]));
        assert_eq!(members.get(&a), None);
        members.replace_all((0..1000).map(|n| {
            let mut key = [0; 16];
            key[..8].copy_from_slice(&(n as u64).to_le_bytes());
            (Passkey(key), member(n))
        }));
        assert_eq!(members.len(), 1000);
        assert_eq!(members.get(&b), None, "replaced whole");
        let mut key = [0; 16];
        key[..8].copy_from_slice(&7u64.to_le_bytes());
        assert_eq!(members.get(&Passkey(key)), Some(member(7)));
    }

    #[test]
    fn a_change_is_seen_by_the_next_read_on_another_thread() {
        let members = Arc::new(Members::new());
        let key = Passkey([9; 16]);
        members.insert(key, member(9));
        let reader = Arc::clone(&members);
        std::thread::spawn(move || assert!(reader.get(&key).is_some()))
            .join()
            .unwrap();
        members.remove(&key);
        let reader = Arc::clone(&members);
        std::thread::spawn(move || assert!(reader.get(&key).is_none()))
            .join()
            .unwrap();
    }
}
