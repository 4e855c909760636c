//! One torrent's swarm: its IPv4 and IPv6 peers, kept apart because a
//! peer can only dial the family it announced from (BEP 7), each keyed by
//! its address.

use crate::clock::Secs;
use crate::peer::{CompactAddr, CompactIp, Peer, PeerKey};
use crate::peer_map::{PeerMap, Removed};
use crate::{Announce, PeerOut, PeerTotals};
use rand::Rng;
use std::net::SocketAddr;

/// A torrent with at least one peer. The shard drops it when it empties;
/// its completed count lives on in the shard.
#[derive(Default)]
pub(crate) struct Torrent {
    v4: PeerMap<[u8; 4]>,
    v6: PeerMap<[u8; 16]>,
}

impl Torrent {
    pub(crate) fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    pub(crate) fn seeders(&self) -> usize {
        self.v4.seeders() + self.v6.seeders()
    }

    pub(crate) fn leechers(&self) -> usize {
        self.v4.leechers() + self.v6.leechers()
    }

    /// The IPv4 and IPv6 peers' counts.
    pub(crate) fn totals(&self) -> ByFamily<PeerTotals> {
        let totals = |seeders, leechers| PeerTotals { seeders, leechers };
        ByFamily {
            v4: totals(self.v4.seeders(), self.v4.leechers()),
            v6: totals(self.v6.seeders(), self.v6.leechers()),
        }
    }

    /// Records the announcing peer at `addr` (`req.addr` sorted into its
    /// family), replacing whatever entry that address had, and appends up
    /// to `numwant` other peers of its family to `out`. Returns whether the
    /// address's previous entry was a seeder (`None`: there was none).
    pub(crate) fn announce(
        &mut self,
        addr: CompactAddr,
        req: &Announce,
        now: Secs,
        numwant: usize,
        rng: &mut impl Rng,
        out: &mut Vec<PeerOut>,
    ) -> Option<bool> {
        let peer = Peer::new(req.peer_id, req.left == 0, now);
        match addr {
            CompactAddr::V4(key) => upsert_and_select(&mut self.v4, key, peer, numwant, rng, out),
            CompactAddr::V6(key) => upsert_and_select(&mut self.v6, key, peer, numwant, rng, out),
        }
    }

    /// Removes the entry at `addr`, whatever its peer id; returns whether
    /// it was a seeder (`None`: there was none).
    pub(crate) fn remove(&mut self, addr: CompactAddr) -> Option<bool> {
        match addr {
            CompactAddr::V4(key) => self.v4.remove(&key).map(|p| p.seeder),
            CompactAddr::V6(key) => self.v6.remove(&key).map(|p| p.seeder),
        }
    }

    /// Drops peers last seen at or before `deadline`.
    pub(crate) fn expire(&mut self, deadline: Secs) -> ByFamily<Removed> {
        ByFamily {
            v4: self.v4.retain(|_, p| p.last_seen() > deadline),
            v6: self.v6.retain(|_, p| p.last_seen() > deadline),
        }
    }

    /// Drops peers whose address `matches`.
    pub(crate) fn remove_where(
        &mut self,
        matches: &impl Fn(&SocketAddr) -> bool,
    ) -> ByFamily<Removed> {
        ByFamily {
            v4: self.v4.retain(|key, _| !matches(&key.addr())),
            v6: self.v6.retain(|key, _| !matches(&key.addr())),
        }
    }
}

/// One value per address family.
#[derive(Clone, Copy, Default)]
pub(crate) struct ByFamily<T> {
    pub(crate) v4: T,
    pub(crate) v6: T,
}

impl<T: std::ops::AddAssign> std::ops::AddAssign for ByFamily<T> {
    fn add_assign(&mut self, other: Self) {
        self.v4 += other.v4;
        self.v6 += other.v6;
    }
}

fn upsert_and_select<I: CompactIp>(
    map: &mut PeerMap<I>,
    key: PeerKey<I>,
    peer: Peer,
    numwant: usize,
    rng: &mut impl Rng,
    out: &mut Vec<PeerOut>,
) -> Option<bool> {
    let (index, previous) = map.upsert(key, peer);
    // A seeder has nothing to gain from other seeders.
    map.select(index, !peer.seeder, numwant, rng, out);
    previous
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;
    use tracker_proto::InfoHash;

    #[test]
    fn a_torrent_slot_stays_the_size_the_crate_docs_promise() {
        assert_eq!(size_of::<PeerMap<[u8; 4]>>(), 64);
        assert_eq!(size_of::<PeerMap<[u8; 16]>>(), 64);
        assert_eq!(size_of::<(InfoHash, Torrent)>(), 152);
    }
}
