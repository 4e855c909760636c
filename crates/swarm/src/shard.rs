//! One shard: the torrents whose info-hash maps to it, their completed
//! counts, running totals and the shard's random source. Always used
//! behind the shard's mutex, so nothing here synchronises.

use crate::clock::Secs;
use crate::keyed_hasher::KeyedHasher;
use crate::peer::CompactAddr;
use crate::peer_map::Removed;
use crate::torrent::{ByFamily, Torrent};
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
    /// removed, a download stays counted.
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

/// What a shard keeps of an info-hash besides its peers: its completed
/// count and, if it is listed, its tag (crate docs, "Listing"). One entry
/// for both, so that an announce in mode `listed` finds its tag and its
/// count with one probe, one cache miss. Numbers as bytes, alignment 1:
/// 38 bytes with the key (asserted in the tests).
#[derive(Clone, Copy, Default)]
struct HashInfo {
    completed: [u8; 8],
    tag: [u8; 8],
    listed: bool,
    /// The count changed since the last `take_dirty_completed`.
    dirty: bool,
}

impl HashInfo {
    fn completed(&self) -> u64 {
        u64::from_ne_bytes(self.completed)
    }

    fn set_completed(&mut self, count: u64) {
        self.completed = count.to_ne_bytes();
    }

    fn tag(&self) -> Option<u64> {
        self.listed.then(|| u64::from_ne_bytes(self.tag))
    }

    /// Worth keeping: listed, or a download counted.
    fn is_needed(&self) -> bool {
        self.listed || self.completed() > 0 || self.dirty
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
    /// `out` already cleared.
    pub(crate) fn announce(
        &mut self,
        req: &Announce,
        now: Secs,
        numwant: usize,
        out: &mut Vec<PeerOut>,
    ) -> SwarmCounts {
        if req.event == AnnounceEvent::Stopped {
            return self.stop(req);
        }
        let seeder = req.left == 0;
        let addr = CompactAddr::from(req.addr);
        let torrent = self.torrents.entry(req.info_hash).or_default();
        let previous = torrent.announce(addr, req, now, numwant, &mut self.rng, out);
        let (seeders, leechers) = (torrent.seeders(), torrent.leechers());
        let totals = family(&mut self.peers, addr);
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
        let completed = if finished {
            self.count_completed(req.info_hash)
        } else {
            self.completed_count(&req.info_hash)
        };
        counts(seeders, leechers, completed)
    }

    fn stop(&mut self, req: &Announce) -> SwarmCounts {
        let completed = self.completed_count(&req.info_hash);
        let Entry::Occupied(mut entry) = self.torrents.entry(req.info_hash) else {
            return counts(0, 0, completed);
        };
        let torrent = entry.get_mut();
        // By address only: the peer id is no credential, dictionary-model
        // replies show it to anyone.
        let addr = CompactAddr::from(req.addr);
        let totals = family(&mut self.peers, addr);
        match torrent.remove(addr) {
            Some(true) => totals.seeders -= 1,
            Some(false) => totals.leechers -= 1,
            None => {}
        }
        let (seeders, leechers) = (torrent.seeders(), torrent.leechers());
        if torrent.is_empty() {
            entry.remove();
        }
        counts(seeders, leechers, completed)
    }

    pub(crate) fn scrape(&self, info_hash: &InfoHash) -> SwarmCounts {
        let completed = self.completed_count(info_hash);
        match self.torrents.get(info_hash) {
            Some(t) => counts(t.seeders(), t.leechers(), completed),
            None => counts(0, 0, completed),
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
        self.hashes.get(info_hash).and_then(HashInfo::tag)
    }

    /// Lists `info_hash` with `tag`; returns false if it was listed
    /// already (the tag is replaced).
    pub(crate) fn list(&mut self, info_hash: InfoHash, tag: u64) -> bool {
        let info = self.hashes.entry(info_hash).or_default();
        let fresh = !info.listed;
        info.listed = true;
        info.tag = tag.to_ne_bytes();
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
        let was_listed = info.listed;
        info.listed = false;
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
            .filter(|(hash, info)| info.listed && !listed.contains_key(*hash))
            .map(|(hash, _)| *hash)
            .collect();
        for info_hash in &gone {
            self.remove_torrent(info_hash);
        }
        self.hashes.retain(|_, info| {
            info.listed = false;
            info.is_needed()
        });
        self.listed = 0;
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
        self.hashes.get(info_hash).map_or(0, HashInfo::completed)
    }

    fn count_completed(&mut self, info_hash: InfoHash) -> u64 {
        let info = self.hashes.entry(info_hash).or_default();
        let count = info.completed() + 1;
        info.set_completed(count);
        if !info.dirty {
            info.dirty = true;
            self.dirty.push(info_hash);
        }
        count
    }

    pub(crate) fn take_dirty_completed(&mut self, out: &mut Vec<(InfoHash, u64)>) {
        for info_hash in self.dirty.drain(..) {
            if let Some(info) = self.hashes.get_mut(&info_hash) {
                info.dirty = false;
                out.push((info_hash, info.completed()));
            }
        }
    }

    pub(crate) fn completed_snapshot(&self, out: &mut Vec<(InfoHash, u64)>) {
        let nonzero = self.hashes.iter().filter(|(_, i)| i.completed() > 0);
        out.extend(nonzero.map(|(h, i)| (*h, i.completed())));
    }

    /// Sets a persisted count, replacing the one held: meant for start-up,
    /// before announces arrive. Leaves the dirty flag as it was.
    pub(crate) fn load_completed(&mut self, info_hash: InfoHash, count: u64) {
        match self.hashes.entry(info_hash) {
            Entry::Occupied(mut entry) => entry.get_mut().set_completed(count),
            Entry::Vacant(entry) => {
                if count > 0 {
                    entry.insert(HashInfo::default()).set_completed(count);
                }
            }
        }
    }
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
    }
}
