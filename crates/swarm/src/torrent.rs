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
///
/// `repr(C)` keeps `state` first: the shard's table lays a slot out as
/// the key, then the torrent, so an IPv4 announce reads the key the probe
/// compares, the state and the IPv4 map's header from the slot's first
/// 112 bytes (asserted in the tests).
#[derive(Default)]
#[repr(C)]
pub(crate) struct Torrent {
    /// A copy of the shard's entry for this info-hash (the default when
    /// the shard has none), kept in step by the shard while the torrent
    /// lives, so that an announce finds the listing and the count in the
    /// slot it updates anyway instead of probing a second table.
    pub(crate) state: HashState,
    v4: PeerMap<[u8; 4]>,
    v6: PeerMap<[u8; 16]>,
}

/// What the shard keeps of an info-hash besides its peers: its completed
/// count and, if it is listed, its tag (crate docs, "Listing"). Numbers as
/// bytes, alignment 1, so it packs beside a 20-byte key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct HashState {
    completed: [u8; 8],
    tag: [u8; 8],
    listed: bool,
}

impl HashState {
    pub(crate) fn completed(&self) -> u64 {
        u64::from_ne_bytes(self.completed)
    }

    pub(crate) fn set_completed(&mut self, count: u64) {
        self.completed = count.to_ne_bytes();
    }

    pub(crate) fn is_listed(&self) -> bool {
        self.listed
    }

    pub(crate) fn tag(&self) -> Option<u64> {
        self.listed.then(|| u64::from_ne_bytes(self.tag))
    }

    pub(crate) fn list(&mut self, tag: u64) {
        self.listed = true;
        self.tag = tag.to_ne_bytes();
    }

    pub(crate) fn unlist(&mut self) {
        self.listed = false;
    }
}

impl Torrent {
    pub(crate) fn new(state: HashState) -> Self {
        Self {
            state,
            ..Self::default()
        }
    }

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
    use std::mem::{offset_of, size_of};
    use tracker_proto::InfoHash;

    #[test]
    fn a_torrent_slot_stays_the_size_the_crate_docs_promise() {
        assert_eq!(size_of::<PeerMap<[u8; 4]>>(), 64);
        assert_eq!(size_of::<PeerMap<[u8; 16]>>(), 64);
        assert_eq!(size_of::<HashState>(), 17);
        assert_eq!(size_of::<(InfoHash, Torrent)>(), 176);
        let key = offset_of!((InfoHash, Torrent), 0);
        let state = offset_of!((InfoHash, Torrent), 1) + offset_of!(Torrent, state);
        let v4 = offset_of!((InfoHash, Torrent), 1) + offset_of!(Torrent, v4);
        assert_eq!(
            (key, state, v4),
            (0, 24, 48),
            "key, state, IPv4 map in 112 bytes"
        );
    }
}
