//! The in-memory swarm store: which peers are in which torrent.
//!
//! Pure: no I/O and no clock of its own. Every call that depends on time
//! takes `now` (a [`Secs`] from an injected [`Clock`]), so tests use a
//! stopped clock instead of sleeping.
//!
//! Layout: torrents are spread over shards by info-hash, each shard behind
//! its own mutex, so announces on different torrents rarely contend.
//! (The full design notes, including memory per peer, are filled in below
//! by the implementation.)

pub mod clock;

pub use clock::{Clock, ManualClock, Secs, SystemClock};
use std::net::SocketAddr;
use tracker_proto::{AnnounceEvent, InfoHash, PeerId};

/// Tunables for the store.
#[derive(Clone, Debug)]
pub struct SwarmConfig {
    /// A peer that has not announced for this many seconds is dropped.
    pub peer_ttl_secs: u32,
    /// Peers handed out when the client does not say `numwant`, and the
    /// cap on what it may ask for.
    pub default_numwant: usize,
    /// Hard cap on `numwant` (the config validates it is at most 200).
    pub max_numwant: usize,
    /// Number of shards (rounded up to a power of two).
    pub shards: usize,
}

impl Default for SwarmConfig {
    fn default() -> Self {
        Self { peer_ttl_secs: 2700, default_numwant: 50, max_numwant: 50, shards: 64 }
    }
}

/// One announce as the swarm sees it, whatever protocol carried it.
#[derive(Clone, Copy, Debug)]
pub struct Announce {
    pub info_hash: InfoHash,
    pub peer_id: PeerId,
    /// The address other peers should dial: the requester's IP (as seen
    /// by the server) with the port the client announced.
    pub addr: SocketAddr,
    pub event: AnnounceEvent,
    /// Bytes left to download; 0 means the peer is a seeder.
    pub left: u64,
    /// Peers wanted; `None` means the configured default.
    pub numwant: Option<usize>,
}

/// A peer handed out to a requester.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerOut {
    pub peer_id: PeerId,
    pub addr: SocketAddr,
}

/// Swarm counts of one torrent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SwarmCounts {
    pub seeders: u32,
    pub leechers: u32,
    /// Completed downloads ever counted (survives the swarm emptying).
    pub completed: u64,
}

/// Totals across all shards, for metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SwarmTotals {
    pub torrents: usize,
    pub seeders: usize,
    pub leechers: usize,
}

/// The store. `Send + Sync`; share it behind an `Arc`.
#[derive(Debug)]
pub struct Swarm {
    _private: (),
}

impl Swarm {
    pub fn new(config: SwarmConfig) -> Self {
        todo!()
    }

    /// Records the announce and fills `out` (cleared first) with up to
    /// numwant peers of the requester's address family, never the
    /// requester itself. A `stopped` announce removes the peer and hands
    /// out no peers. Returns the torrent's counts after the change.
    pub fn announce(&self, req: &Announce, now: Secs, out: &mut Vec<PeerOut>) -> SwarmCounts {
        todo!()
    }

    /// Counts for one torrent; zeros for one never seen.
    pub fn scrape(&self, info_hash: &InfoHash) -> SwarmCounts {
        todo!()
    }

    /// Drops peers not seen for `peer_ttl_secs`; returns how many.
    pub fn expire(&self, now: Secs) -> usize {
        todo!()
    }

    /// Removes every peer whose address matches; returns how many.
    /// (Used when an access rule starts denying a network.)
    pub fn remove_peers_where(&self, matches: impl Fn(&SocketAddr) -> bool) -> usize {
        todo!()
    }

    /// Completed counts changed since the last call, for persistence.
    pub fn take_dirty_completed(&self) -> Vec<(InfoHash, u64)> {
        todo!()
    }

    /// Every non-zero completed count, for a full snapshot.
    pub fn completed_snapshot(&self) -> Vec<(InfoHash, u64)> {
        todo!()
    }

    /// Loads persisted completed counts at start (not marked dirty).
    pub fn load_completed(&self, counts: impl IntoIterator<Item = (InfoHash, u64)>) {
        todo!()
    }

    pub fn totals(&self) -> SwarmTotals {
        todo!()
    }
}
