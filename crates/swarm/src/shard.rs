//! One shard: the torrents whose info-hash maps to it, their completed
//! counts, running totals and the shard's random source. Always used
//! behind the shard's mutex, so nothing here synchronises.

use crate::clock::Secs;
use crate::keyed_hasher::KeyedHasher;
use crate::peer::CompactAddr;
use crate::peer_map::Removed;
use crate::torrent::{ByFamily, HashState, Torrent};
use crate::{Announce, FamilyTotals, PeerOut, PeerTotals, SwarmCounts};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::net::SocketAddr;
use tracker_proto::{AnnounceEvent, InfoHash};

pub(crate) struct Shard {
    /// Only torrents with peers: an emptied torrent is removed at once.
    torrents: HashMap<InfoHash, Torrent, KeyedHasher>,
    /// The info-hashes listed or with a completed count. Apart from
    /// `torrents` so that counts outlive the swarm; a count is never
    /// removed, a download stays counted. A torrent holds a copy of its
    /// hash's state ([`Torrent::state`]), which every change here keeps
    /// in step.
    hashes: HashMap<InfoHash, HashInfo, KeyedHasher>,
    /// How many of `hashes` are listed.
    listed: usize,
    /// Info-hashes whose `HashInfo::dirty` is set, each once.
    dirty: Vec<InfoHash>,
    /// Sums over `torrents` per address family, kept in step so `totals`
    /// need not walk them.
    peers: ByFamily<PeerTotals>,
    /// Picks where selection starts. A per-shard SmallRng is a few
    /// nanoseconds, needs no thread-local and is already behind the lock;
    /// seeded from the OS so clients cannot predict which peers they get.
    rng: SmallRng,
}

/// A shard's entry for an info-hash: its state (listing and completed
/// count, one entry for both) and whether the count still has to be
/// persisted. 38 bytes with the key, alignment 1 (asserted in the tests).
#[derive(Clone, Copy, Default)]
struct HashInfo {
    state: HashState,
    /// The count changed since the last `take_dirty_completed`.
    dirty: bool,
}

impl HashInfo {
    /// Worth keeping: listed, or a download counted.
    fn is_needed(&self) -> bool {
        self.state.is_listed() || self.state.completed() > 0 || self.dirty
    }
}

impl Shard {
    pub(crate) fn new() -> Self {
        Self {
            torrents: HashMap::default(),
            hashes: HashMap::default(),
            listed: 0,
            dirty: Vec::new(),
            peers: ByFamily::default(),
            rng: SmallRng::from_os_rng(),
        }
    }

    /// See [`crate::Swarm::announce`]; `numwant` is already capped and
    /// `out` already cleared. `admit` sees the hash's tag (`None`: not
    /// listed) first; its `Err` is returned with nothing changed.
    ///
    /// One probe of the torrent table finds the peers, the tag and the
    /// count when the torrent has peers; the hash table is read only for
    /// a torrent's first peer.
    pub(crate) fn announce<E>(
        &mut self,
        req: &Announce,
        now: Secs,
        numwant: usize,
        out: &mut Vec<PeerOut>,
        admit: impl FnOnce(Option<u64>) -> Result<(), E>,
    ) -> Result<SwarmCounts, E> {
        let slot = self.torrents.entry(req.info_hash);
        let state = match &slot {
            Entry::Occupied(torrent) => torrent.get().state,
            Entry::Vacant(_) => self
                .hashes
                .get(&req.info_hash)
                .map(|i| i.state)
                .unwrap_or_default(),
        };
        admit(state.tag())?;
        let addr = CompactAddr::from(req.addr);
        let totals = family(&mut self.peers, addr);
        if req.event == AnnounceEvent::Stopped {
            let Entry::Occupied(mut entry) = slot else {
                return Ok(counts(0, 0, state.completed()));
            };
            // By address only: the peer id is no credential,
            // dictionary-model replies show it to anyone.
            let torrent = entry.get_mut();
            match torrent.remove(addr) {
                Some(true) => totals.seeders -= 1,
                Some(false) => totals.leechers -= 1,
                None => {}
            }
            let (seeders, leechers) = (torrent.seeders(), torrent.leechers());
            if torrent.is_empty() {
                entry.remove();
            }
            return Ok(counts(seeders, leechers, state.completed()));
        }
        let seeder = req.left == 0;
        let torrent = slot.or_insert_with(|| Torrent::new(state));
        let previous = torrent.announce(addr, req, now, numwant, &mut self.rng, out);
        match (previous, seeder) {
            (None, true) => totals.seeders += 1,
            (None, false) => totals.leechers += 1,
            (Some(false), true) => {
                totals.leechers -= 1;
                totals.seeders += 1;
            }
            (Some(true), false) => {
                totals.seeders -= 1;
                totals.leechers += 1;
            }
            (Some(_), _) => {}
        }
        // A download is counted when a peer finishes it: `completed` with
        // nothing left, from an address not already known as a seeder's
        // (whatever peer id the previous entry there carried). Clients
        // repeat the event (a restart, a lost reply), and a `completed`
        // with bytes still left would let a leecher be counted again and
        // again, so neither counts.
        let finished = req.event == AnnounceEvent::Completed && seeder && previous != Some(true);
        if finished {
            torrent.state = count_in(&mut self.hashes, &mut self.dirty, req.info_hash);
        }
        Ok(counts(
            torrent.seeders(),
            torrent.leechers(),
            torrent.state.completed(),
        ))
    }

    pub(crate) fn scrape(&self, info_hash: &InfoHash) -> SwarmCounts {
        match self.torrents.get(info_hash) {
            Some(t) => counts(t.seeders(), t.leechers(), t.state.completed()),
            None => counts(0, 0, self.completed_count(info_hash)),
        }
    }

    /// Drops peers last seen at or before `deadline`.
    pub(crate) fn expire(&mut self, deadline: Secs) -> usize {
        self.retain_peers(|t| t.expire(deadline))
    }

    pub(crate) fn remove_peers_where(&mut self, matches: &impl Fn(&SocketAddr) -> bool) -> usize {
        self.retain_peers(|t| t.remove_where(matches))
    }

    /// Drops every peer of one torrent; returns how many. Its completed
    /// count stays.
    pub(crate) fn remove_torrent(&mut self, info_hash: &InfoHash) -> usize {
        let Some(torrent) = self.torrents.remove(info_hash) else {
            return 0;
        };
        let gone = torrent.totals();
        self.count_out(gone.v4, gone.v6);
        torrent.seeders() + torrent.leechers()
    }

    /// `info_hash`'s tag, if it is listed.
    pub(crate) fn listed_tag(&self, info_hash: &InfoHash) -> Option<u64> {
        self.hashes.get(info_hash).and_then(|i| i.state.tag())
    }

    /// Lists `info_hash` with `tag`; returns false if it was listed
    /// already (the tag is replaced).
    pub(crate) fn list(&mut self, info_hash: InfoHash, tag: u64) -> bool {
        let info = self.hashes.entry(info_hash).or_default();
        let fresh = !info.state.is_listed();
        info.state.list(tag);
        if let Some(torrent) = self.torrents.get_mut(&info_hash) {
            torrent.state = info.state;
        }
        self.listed += usize::from(fresh);
        fresh
    }

    /// Unlists `info_hash` and drops its peers, under one lock.
    pub(crate) fn unlist(&mut self, info_hash: &InfoHash) -> bool {
        self.remove_torrent(info_hash);
        let Entry::Occupied(mut entry) = self.hashes.entry(*info_hash) else {
            return false;
        };
        let info = entry.get_mut();
        let was_listed = info.state.is_listed();
        info.state.unlist();
        if !info.is_needed() {
            entry.remove();
        }
        self.listed -= usize::from(was_listed);
        was_listed
    }

    /// Makes `listed` this shard's listed set, dropping the peers of every
    /// torrent no longer in it.
    pub(crate) fn replace_listed(&mut self, listed: HashMap<InfoHash, u64, KeyedHasher>) {
        let gone: Vec<InfoHash> = self
            .hashes
            .iter()
            .filter(|(hash, info)| info.state.is_listed() && !listed.contains_key(*hash))
            .map(|(hash, _)| *hash)
            .collect();
        for info_hash in &gone {
            self.remove_torrent(info_hash);
        }
        self.hashes.retain(|_, info| {
            info.state.unlist();
            info.is_needed()
        });
        self.listed = 0;
        // `list` updates the copy of every torrent in the new set; the
        // torrents of hashes no longer listed went with their peers above,
        // and those never listed (mode `open`) kept an unlisted copy.
        for (info_hash, tag) in listed {
            self.list(info_hash, tag);
        }
    }

    pub(crate) fn listed_count(&self) -> usize {
        self.listed
    }

    /// Runs `sweep` on every torrent, keeps the totals in step and drops
    /// the torrents it empties. Returns how many peers it removed.
    fn retain_peers(&mut self, mut sweep: impl FnMut(&mut Torrent) -> ByFamily<Removed>) -> usize {
        let mut removed = ByFamily::<Removed>::default();
        self.torrents.retain(|_, torrent| {
            removed += sweep(torrent);
            !torrent.is_empty()
        });
        let totals = |r: Removed| PeerTotals {
            seeders: r.seeders,
            leechers: r.leechers,
        };
        self.count_out(totals(removed.v4), totals(removed.v6));
        // After a flash crowd leaves, give back the emptied table.
        let (len, capacity) = (self.torrents.len(), self.torrents.capacity());
        if capacity > 1024 && len < capacity / 4 {
            self.torrents.shrink_to(len * 2);
        }
        removed.v4.total() + removed.v6.total()
    }

    /// Takes removed peers out of the running totals.
    fn count_out(&mut self, v4: PeerTotals, v6: PeerTotals) {
        for (totals, gone) in [(&mut self.peers.v4, v4), (&mut self.peers.v6, v6)] {
            totals.seeders -= gone.seeders;
            totals.leechers -= gone.leechers;
        }
    }

    /// Forgets every peer, keeping the completed counts.
    pub(crate) fn drop_peers(&mut self) {
        self.torrents = HashMap::default();
        self.peers = ByFamily::default();
    }

    /// The shard's share of [`crate::Swarm::family_totals`]: kept in step,
    /// never counted.
    pub(crate) fn totals(&self) -> FamilyTotals {
        FamilyTotals {
            torrents: self.torrents.len(),
            ipv4: self.peers.v4,
            ipv6: self.peers.v6,
        }
    }

    fn completed_count(&self, info_hash: &InfoHash) -> u64 {
        self.hashes
            .get(info_hash)
            .map_or(0, |i| i.state.completed())
    }

    pub(crate) fn take_dirty_completed(&mut self, out: &mut Vec<(InfoHash, u64)>) {
        for info_hash in self.dirty.drain(..) {
            if let Some(info) = self.hashes.get_mut(&info_hash) {
                info.dirty = false;
                out.push((info_hash, info.state.completed()));
            }
        }
    }

    pub(crate) fn completed_snapshot(&self, out: &mut Vec<(InfoHash, u64)>) {
        let nonzero = self.hashes.iter().filter(|(_, i)| i.state.completed() > 0);
        out.extend(nonzero.map(|(h, i)| (*h, i.state.completed())));
    }

    /// Sets a persisted count, replacing the one held: meant for start-up,
    /// before announces arrive. Leaves the dirty flag as it was.
    pub(crate) fn load_completed(&mut self, info_hash: InfoHash, count: u64) {
        let info = match self.hashes.entry(info_hash) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(_) if count == 0 => return,
            Entry::Vacant(entry) => entry.insert(HashInfo::default()),
        };
        info.state.set_completed(count);
        let state = info.state;
        if let Some(torrent) = self.torrents.get_mut(&info_hash) {
            torrent.state = state;
        }
    }
}

/// Counts a download of `info_hash` in its entry (marked dirty once);
/// returns the entry's new state for the torrent's copy.
fn count_in(
    hashes: &mut HashMap<InfoHash, HashInfo, KeyedHasher>,
    dirty: &mut Vec<InfoHash>,
    info_hash: InfoHash,
) -> HashState {
    let info = hashes.entry(info_hash).or_default();
    info.state.set_completed(info.state.completed() + 1);
    if !info.dirty {
        info.dirty = true;
        dirty.push(info_hash);
    }
    info.state
}

/// The totals of `addr`'s family.
fn family(peers: &mut ByFamily<PeerTotals>, addr: CompactAddr) -> &mut PeerTotals {
    match addr {
        CompactAddr::V4(_) => &mut peers.v4,
        CompactAddr::V6(_) => &mut peers.v6,
    }
}

fn counts(seeders: usize, leechers: usize, completed: u64) -> SwarmCounts {
    let saturate = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    SwarmCounts {
        seeders: saturate(seeders),
        leechers: saturate(leechers),
        completed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_slot_stays_the_size_the_crate_docs_promise() {
        assert_eq!(std::mem::size_of::<(InfoHash, HashInfo)>(), 38);
    }

    fn hash(n: u8) -> InfoHash {
        InfoHash([n; 20])
    }

    impl Shard {
        fn count_completed(&mut self, info_hash: InfoHash) -> u64 {
            let state = count_in(&mut self.hashes, &mut self.dirty, info_hash);
            if let Some(torrent) = self.torrents.get_mut(&info_hash) {
                torrent.state = state;
            }
            state.completed()
        }

        /// Every torrent's copy of its hash's state is the entry's.
        fn assert_copies_agree(&self) {
            for (info_hash, torrent) in &self.torrents {
                let held = self.hashes.get(info_hash).map(|i| i.state);
                assert_eq!(torrent.state, held.unwrap_or_default(), "{info_hash:?}");
            }
        }
    }

    fn announce(
        shard: &mut Shard,
        n: u8,
        port: u16,
        event: AnnounceEvent,
        left: u64,
    ) -> Option<SwarmCounts> {
        let req = Announce {
            info_hash: hash(n),
            peer_id: tracker_proto::PeerId([port as u8; 20]),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            event,
            left,
            numwant: None,
        };
        let listed_only = |tag: Option<u64>| tag.map(|_| ()).ok_or(());
        shard
            .announce(&req, Secs(1), 10, &mut Vec::new(), listed_only)
            .ok()
    }

    #[test]
    fn a_torrent_reads_its_listing_and_count_from_a_copy_kept_in_step() {
        let mut shard = Shard::new();
        assert_eq!(
            announce(&mut shard, 1, 1, AnnounceEvent::Started, 5),
            None,
            "not listed"
        );
        assert!(shard.torrents.is_empty());

        shard.list(hash(1), 10);
        let first = announce(&mut shard, 1, 1, AnnounceEvent::Started, 5).unwrap();
        assert_eq!((first.leechers, first.completed), (1, 0));
        let done = announce(&mut shard, 1, 1, AnnounceEvent::Completed, 0).unwrap();
        assert_eq!((done.seeders, done.completed), (1, 1));
        shard.assert_copies_agree();

        // Relisted under a new tag, counted from outside (a reload), and
        // loaded from the store: the torrent's copy follows each change.
        shard.list(hash(1), 11);
        shard.assert_copies_agree();
        assert_eq!(shard.torrents[&hash(1)].state.tag(), Some(11));
        shard.load_completed(hash(1), 7);
        shard.assert_copies_agree();
        assert_eq!(
            announce(&mut shard, 1, 2, AnnounceEvent::Started, 5)
                .unwrap()
                .completed,
            7
        );
        let fresh: HashMap<InfoHash, u64, KeyedHasher> = [(hash(1), 12)].into_iter().collect();
        shard.replace_listed(fresh);
        shard.assert_copies_agree();
        assert_eq!(shard.torrents[&hash(1)].state.tag(), Some(12));

        // Unlisted: the peers go, and an announce is refused again; the
        // count stays for a torrent listed later.
        shard.unlist(&hash(1));
        assert!(shard.torrents.is_empty());
        assert_eq!(announce(&mut shard, 1, 1, AnnounceEvent::Started, 5), None);
        shard.list(hash(1), 13);
        let back = announce(&mut shard, 1, 1, AnnounceEvent::Started, 5).unwrap();
        assert_eq!((back.leechers, back.completed), (1, 7));
        let stopped = announce(&mut shard, 1, 1, AnnounceEvent::Stopped, 5).unwrap();
        assert_eq!((stopped.leechers, stopped.completed), (0, 7));
        assert!(shard.torrents.is_empty());

        // A reload that unlists a hash drops its torrent; one tracked
        // unlisted (mode `open`) keeps an unlisted copy.
        shard.list(hash(2), 20);
        announce(&mut shard, 2, 1, AnnounceEvent::Started, 5).unwrap();
        let admit_any = |_| Ok::<(), ()>(());
        let open = Announce {
            info_hash: hash(3),
            peer_id: tracker_proto::PeerId([3; 20]),
            addr: SocketAddr::from(([127, 0, 0, 1], 3)),
            event: AnnounceEvent::Completed,
            left: 0,
            numwant: None,
        };
        assert_eq!(
            shard
                .announce(&open, Secs(1), 10, &mut Vec::new(), admit_any)
                .unwrap()
                .completed,
            1
        );
        shard.replace_listed(HashMap::default());
        assert!(!shard.torrents.contains_key(&hash(2)));
        assert_eq!(shard.torrents[&hash(3)].state.tag(), None);
        shard.assert_copies_agree();
    }

    #[test]
    fn listing_and_counting_share_an_entry_that_lives_while_either_needs_it() {
        let mut shard = Shard::new();
        assert!(shard.list(hash(1), 7));
        assert!(!shard.list(hash(1), 8), "listed already; tag replaced");
        assert_eq!(shard.listed_tag(&hash(1)), Some(8));
        assert_eq!(shard.count_completed(hash(1)), 1);
        assert_eq!(shard.count_completed(hash(2)), 1);
        assert_eq!(shard.listed_tag(&hash(2)), None, "counted, not listed");
        assert_eq!(shard.listed_count(), 1);

        // Unlisted, its count stays.
        assert!(shard.unlist(&hash(1)));
        assert!(!shard.unlist(&hash(1)));
        assert_eq!(shard.listed_tag(&hash(1)), None);
        assert_eq!(shard.completed_count(&hash(1)), 1);
        assert_eq!(shard.listed_count(), 0);

        // Listed without a count, then unlisted: nothing left behind.
        shard.list(hash(3), 3);
        assert!(shard.unlist(&hash(3)));
        assert!(!shard.hashes.contains_key(&hash(3)));

        // A reload keeps counts, lists the new set, drops the rest.
        shard.list(hash(4), 4);
        shard.list(hash(5), 5);
        let fresh: HashMap<InfoHash, u64, KeyedHasher> =
            [(hash(2), 20), (hash(5), 50)].into_iter().collect();
        shard.replace_listed(fresh);
        assert_eq!(shard.listed_count(), 2);
        assert_eq!(shard.listed_tag(&hash(2)), Some(20));
        assert_eq!(shard.listed_tag(&hash(5)), Some(50));
        assert_eq!(shard.listed_tag(&hash(4)), None);
        assert!(!shard.hashes.contains_key(&hash(4)));
        assert_eq!(shard.completed_count(&hash(2)), 1);

        let mut dirty = Vec::new();
        shard.take_dirty_completed(&mut dirty);
        dirty.sort_unstable_by_key(|(h, _)| h.0);
        assert_eq!(dirty, vec![(hash(1), 1), (hash(2), 1)]);
        shard.assert_copies_agree();
    }
}
