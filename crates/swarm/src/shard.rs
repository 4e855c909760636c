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
    /// The listed info-hashes of this shard with their tags (see the
    /// crate docs, "Listing"); empty, and never allocated, when nothing is
    /// listed.
    listed: HashMap<InfoHash, u64, KeyedHasher>,
    /// Apart from `torrents` so that counts outlive the swarm; never
    /// removed, a download stays counted.
    completed: HashMap<InfoHash, Completed, KeyedHasher>,
    /// Info-hashes whose `Completed::dirty` is set, each once.
    dirty: Vec<InfoHash>,
    /// Sums over `torrents` per address family, kept in step so `totals`
    /// need not walk them.
    peers: ByFamily<PeerTotals>,
    /// Picks where selection starts. A per-shard SmallRng is a few
    /// nanoseconds, needs no thread-local and is already behind the lock;
    /// seeded from the OS so clients cannot predict which peers they get.
    rng: SmallRng,
}

#[derive(Clone, Copy, Default)]
struct Completed {
    count: u64,
    /// Changed since the last `take_dirty_completed`.
    dirty: bool,
}

impl Shard {
    pub(crate) fn new() -> Self {
        Self {
            torrents: HashMap::default(),
            listed: HashMap::default(),
            completed: HashMap::default(),
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
        self.listed.get(info_hash).copied()
    }

    pub(crate) fn list(&mut self, info_hash: InfoHash, tag: u64) -> bool {
        self.listed.insert(info_hash, tag).is_none()
    }

    /// Unlists `info_hash` and drops its peers, under one lock.
    pub(crate) fn unlist(&mut self, info_hash: &InfoHash) -> bool {
        self.remove_torrent(info_hash);
        self.listed.remove(info_hash).is_some()
    }

    /// Makes `listed` this shard's listed set, dropping the peers of every
    /// torrent no longer in it.
    pub(crate) fn replace_listed(&mut self, listed: HashMap<InfoHash, u64, KeyedHasher>) {
        let gone: Vec<InfoHash> = self
            .listed
            .keys()
            .filter(|hash| !listed.contains_key(*hash))
            .copied()
            .collect();
        for info_hash in &gone {
            self.remove_torrent(info_hash);
        }
        self.listed = listed;
    }

    pub(crate) fn listed_count(&self) -> usize {
        self.listed.len()
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
        self.completed.get(info_hash).map_or(0, |c| c.count)
    }

    fn count_completed(&mut self, info_hash: InfoHash) -> u64 {
        let completed = self.completed.entry(info_hash).or_default();
        completed.count += 1;
        if !completed.dirty {
            completed.dirty = true;
            self.dirty.push(info_hash);
        }
        completed.count
    }

    pub(crate) fn take_dirty_completed(&mut self, out: &mut Vec<(InfoHash, u64)>) {
        for info_hash in self.dirty.drain(..) {
            if let Some(completed) = self.completed.get_mut(&info_hash) {
                completed.dirty = false;
                out.push((info_hash, completed.count));
            }
        }
    }

    pub(crate) fn completed_snapshot(&self, out: &mut Vec<(InfoHash, u64)>) {
        let nonzero = self.completed.iter().filter(|(_, c)| c.count > 0);
        out.extend(nonzero.map(|(h, c)| (*h, c.count)));
    }

    /// Sets a persisted count, replacing the one held: meant for start-up,
    /// before announces arrive. Leaves the dirty flag as it was.
    pub(crate) fn load_completed(&mut self, info_hash: InfoHash, count: u64) {
        match self.completed.entry(info_hash) {
            Entry::Occupied(mut entry) => entry.get_mut().count = count,
            Entry::Vacant(entry) => {
                if count > 0 {
                    entry.insert(Completed {
                        count,
                        dirty: false,
                    });
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
    fn a_completed_slot_stays_the_size_the_crate_docs_promise() {
        assert_eq!(std::mem::size_of::<(InfoHash, Completed)>(), 40);
    }
}
