//! The peers of one torrent in one address family, keyed by address and
//! partitioned so that selection never scans.
//!
//! Invariant: in index order, every leecher comes before every seeder;
//! `peers[..leechers]` are the leechers and `peers[leechers..]` the seeders.
//! Handing a seeder only leechers is then a random window over the first
//! `leechers` entries, O(numwant) however many seeders the swarm has, and
//! the seeder and leecher counts fall out of the partition for free.
//!
//! Every mutation keeps the invariant with O(1) `swap_indices` moves across
//! the boundary, and `retain` keeps it because it preserves order.

use crate::PeerOut;
use crate::keyed_hasher::KeyedHasher;
use crate::peer::{CompactIp, Peer, PeerKey};
use indexmap::IndexMap;
use indexmap::map::Entry;
use rand::Rng;

pub(crate) struct PeerMap<I> {
    /// One entry per address, so no address is ever handed out twice.
    peers: IndexMap<PeerKey<I>, Peer, KeyedHasher>,
    /// How many entries, from index 0, are leechers.
    leechers: usize,
}

/// How many seeders and leechers an operation removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Removed {
    pub(crate) seeders: usize,
    pub(crate) leechers: usize,
}

impl Removed {
    pub(crate) fn total(self) -> usize {
        self.seeders + self.leechers
    }
}

impl std::ops::AddAssign for Removed {
    fn add_assign(&mut self, other: Self) {
        self.seeders += other.seeders;
        self.leechers += other.leechers;
    }
}

impl<I> Default for PeerMap<I> {
    fn default() -> Self {
        Self {
            peers: IndexMap::default(),
            leechers: 0,
        }
    }
}

impl<I: CompactIp> PeerMap<I> {
    pub(crate) fn is_empty(&self) -> bool {
        self.peers.is_empty()
    }

    pub(crate) fn seeders(&self) -> usize {
        self.peers.len() - self.leechers
    }

    pub(crate) fn leechers(&self) -> usize {
        self.leechers
    }

    /// Inserts `peer` at `key`, replacing the entry of that address
    /// whatever its peer id. Returns the entry's index and, if it replaced
    /// one, whether that was a seeder.
    pub(crate) fn upsert(&mut self, key: PeerKey<I>, peer: Peer) -> (usize, Option<bool>) {
        match self.peers.entry(key) {
            Entry::Occupied(mut entry) => {
                let index = entry.index();
                let was_seeder = entry.get().seeder;
                *entry.get_mut() = peer;
                (
                    self.reclassify(index, was_seeder, peer.seeder),
                    Some(was_seeder),
                )
            }
            Entry::Vacant(entry) => {
                let index = entry.index();
                entry.insert(peer);
                // Pushed at the end, i.e. among the seeders: a leecher
                // swaps places with the first seeder to join its side.
                let index = if peer.seeder {
                    index
                } else {
                    self.grow_leechers(index)
                };
                (index, None)
            }
        }
    }

    /// Removes the entry of `key`'s address; returns it.
    pub(crate) fn remove(&mut self, key: &PeerKey<I>) -> Option<Peer> {
        let index = self.peers.get_index_of(key)?;
        let peer = self.peers[index];
        let index = if peer.seeder {
            index
        } else {
            self.shrink_leechers(index)
        };
        // `swap_remove` fills the hole with the last entry. For a seeder
        // hole that is another seeder (or nothing); a leecher was first
        // moved to the boundary, now the first seeder slot, which is right
        // for whatever moves in.
        self.peers.swap_remove_index(index);
        Some(peer)
    }

    /// Keeps only the peers for which `keep` is true.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&PeerKey<I>, &Peer) -> bool) -> Removed {
        let mut removed = Removed::default();
        // Order-preserving, so the leechers stay in front.
        self.peers.retain(|key, peer| {
            let kept = keep(key, peer);
            if !kept {
                if peer.seeder {
                    removed.seeders += 1;
                } else {
                    removed.leechers += 1;
                }
            }
            kept
        });
        self.leechers -= removed.leechers;
        if removed.total() > 0 {
            self.shrink_if_sparse();
        }
        removed
    }

    /// Appends up to `want` peers to `out`, never the entry at `requester`
    /// (the requester's own address); only leechers unless `seeders_too`.
    ///
    /// Takes consecutive entries from a random start, wrapping around: no
    /// allocation and no rejection loop. Neighbours in index order tend to
    /// be handed out together, but removals keep shuffling that order
    /// (`swap_remove` moves the last entry into the hole) and the start
    /// moves on every call, so over a client's announces it sees the swarm.
    pub(crate) fn select(
        &self,
        requester: usize,
        seeders_too: bool,
        want: usize,
        rng: &mut impl Rng,
        out: &mut Vec<PeerOut>,
    ) {
        let range = if seeders_too {
            self.peers.len()
        } else {
            self.leechers
        };
        let available = range - usize::from(requester < range);
        let take = want.min(available);
        if take == 0 {
            return;
        }
        let start = rng.random_range(0..range);
        let indices = (start..range).chain(0..start).filter(|&i| i != requester);
        for i in indices.take(take) {
            let (key, peer) = self.peers.get_index(i).expect("index below len");
            out.push(PeerOut {
                peer_id: peer.peer_id,
                addr: key.addr(),
            });
        }
    }

    /// Moves the entry at `index` across the boundary if its class changed;
    /// returns where it ends up.
    fn reclassify(&mut self, index: usize, was_seeder: bool, is_seeder: bool) -> usize {
        match (was_seeder, is_seeder) {
            (false, true) => self.shrink_leechers(index),
            (true, false) => self.grow_leechers(index),
            _ => index,
        }
    }

    /// Moves the entry at `index`, in the seeder region but now a leecher,
    /// to the first seeder slot and widens the leecher region over it.
    fn grow_leechers(&mut self, index: usize) -> usize {
        let to = self.leechers;
        self.peers.swap_indices(index, to);
        self.leechers += 1;
        to
    }

    /// Moves the entry at `index`, in the leecher region but now a seeder
    /// or about to be removed, to the last leecher slot and narrows the
    /// leecher region, leaving it in the first seeder slot.
    fn shrink_leechers(&mut self, index: usize) -> usize {
        let to = self.leechers - 1;
        self.peers.swap_indices(index, to);
        self.leechers = to;
        to
    }

    /// A swarm that once had thousands of peers keeps its allocation after
    /// they leave; give most of it back once the map is a quarter full.
    fn shrink_if_sparse(&mut self) {
        const MIN_CAPACITY: usize = 64;
        let (len, capacity) = (self.peers.len(), self.peers.capacity());
        if capacity > MIN_CAPACITY && len < capacity / 4 {
            self.peers.shrink_to(len * 2);
        }
    }

    #[cfg(test)]
    fn assert_partitioned(&self) {
        let mut values = self.peers.values();
        assert!(values.by_ref().take(self.leechers).all(|p| !p.seeder));
        assert!(values.all(|p| p.seeder));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Secs;
    use rand::SeedableRng;
    use rand::rngs::SmallRng;
    use tracker_proto::PeerId;

    /// Peer `n`'s address.
    fn key(n: u8) -> PeerKey<[u8; 4]> {
        PeerKey {
            ip: [10, 0, 0, n],
            port: 6881,
        }
    }

    fn peer(n: u8, seeder: bool) -> Peer {
        Peer::new(PeerId([n; 20]), seeder, Secs(0))
    }

    #[test]
    fn leechers_stay_in_front_through_inserts_changes_and_removals() {
        let mut map = PeerMap::default();
        for n in 0..20 {
            map.upsert(key(n), peer(n, n % 3 == 0));
            map.assert_partitioned();
        }
        for n in (0..20).step_by(2) {
            map.upsert(key(n), peer(n, n % 3 != 0));
            map.assert_partitioned();
        }
        for n in (0..20).step_by(3) {
            map.remove(&key(n));
            map.assert_partitioned();
        }
        map.retain(|k, _| k.ip[3] % 5 != 0);
        map.assert_partitioned();
        let seeders = map.peers.values().filter(|p| p.seeder).count();
        assert_eq!(
            (map.seeders(), map.leechers()),
            (seeders, map.peers.len() - seeders)
        );
    }

    #[test]
    fn upsert_returns_the_index_the_entry_ends_up_at() {
        let mut map = PeerMap::default();
        for n in 0..10 {
            let (index, _) = map.upsert(key(n), peer(n, n % 2 == 0));
            assert!(map.peers.get_index_of(&key(n)) == Some(index));
            let (index, previous) = map.upsert(key(n), peer(n, n % 2 == 1));
            assert!(map.peers.get_index_of(&key(n)) == Some(index));
            assert_eq!(previous, Some(n % 2 == 0));
        }
    }

    #[test]
    fn an_address_holds_one_entry_whatever_its_peer_id() {
        let mut map = PeerMap::default();
        let (first, _) = map.upsert(key(1), peer(1, false));
        let (again, previous) = map.upsert(key(1), peer(2, false));
        assert_eq!((again, previous), (first, Some(false)));
        assert_eq!(map.peers.len(), 1);
        assert!(map.peers[first].peer_id == PeerId([2; 20]));
        assert!(
            map.remove(&key(1))
                .is_some_and(|p| p.peer_id == PeerId([2; 20]))
        );
        assert!(map.is_empty());
    }

    #[test]
    fn a_seeder_is_only_offered_leechers() {
        let mut map = PeerMap::default();
        for n in 0..10 {
            map.upsert(key(n), peer(n, n < 7));
        }
        let (me, _) = map.upsert(key(0), peer(0, true));
        let mut rng = SmallRng::seed_from_u64(1);
        let mut out = Vec::new();
        map.select(me, false, 50, &mut rng, &mut out);
        let mut got: Vec<u8> = out.iter().map(|p| p.peer_id.0[0]).collect();
        got.sort_unstable();
        assert_eq!(got, [7, 8, 9]);
    }

    #[test]
    fn a_sparse_map_gives_back_its_memory_when_swept() {
        let mut map = PeerMap::default();
        for n in 0..=255 {
            map.upsert(key(n), peer(n, false));
        }
        map.retain(|k, _| k.ip[3] < 4);
        assert!(
            map.peers.capacity() < 64,
            "capacity {}",
            map.peers.capacity()
        );
    }
}
