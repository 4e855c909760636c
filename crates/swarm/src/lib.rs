//! The in-memory swarm store: which peers are in which torrent.
//!
//! Pure: no I/O and no clock of its own. Every call that depends on time
//! takes `now` (a [`Secs`] from an injected [`Clock`]), so tests use a
//! stopped clock instead of sleeping. Whether an announce came over UDP
//! (BEP 15) or HTTP (BEP 3) is the caller's business.
//!
//! # Layout
//!
//! - [`Swarm`] owns a power-of-two number of shards, each behind its own
//!   `std::sync::Mutex`; an info-hash's first four bytes pick its shard, so
//!   announces on different torrents rarely contend. A lock is held for
//!   one announce (a handful of cache misses) or for one shard's share of
//!   a sweep, never across shards. Announces write, so an `RwLock` would
//!   only add cost.
//! - `shard`: per shard, a map from info-hash to torrent, a map from
//!   info-hash to its completed count and listing (separate from the
//!   torrents, so counts outlive the swarm: a torrent with no peers is
//!   removed at once), a queue of counts changed since they were
//!   last persisted, running seeder/leecher totals per address family
//!   (so [`Swarm::family_totals`] walks no peers) and a `SmallRng`.
//! - `torrent`: a torrent's IPv4 and IPv6 peers in two maps. A peer is
//!   keyed by its address (IP and port) within its family: the address is
//!   what other peers dial, so two entries with one address would be one
//!   endpoint handed out twice. A re-announce from the same address
//!   replaces the entry, even under a new peer id (a client restarted on
//!   the same port). The peer id is no key because anyone can send it:
//!   dictionary-model replies (BEP 3) show it, and a `stopped` announce
//!   carrying it must not evict the peer; only the endpoint itself can
//!   replace or remove its entry. Load testers that give every simulated
//!   peer one id (aquatic's sends twenty zero bytes) still build real
//!   swarms. IPv4-mapped IPv6 addresses count as IPv4, under the same key
//!   as the plain IPv4 address.
//! - `peer_map`: one family's peers in an `IndexMap`, leechers first and
//!   seeders after, so the counts are exact by construction and a seeder
//!   is offered only leechers without scanning past any seeder.
//! - `peer`: the compact address key and per-peer record.
//! - `keyed_hasher`: std's keyed SipHash, one key pair per process, for
//!   every map, since clients choose their ports (and, over IPv6, much of
//!   their address) and info-hashes.
//!
//! # Selection
//!
//! Up to `numwant` peers (default [`SwarmConfig::default_numwant`], capped
//! at [`SwarmConfig::max_numwant`]) of the requester's family, never the
//! requester's own address and no address twice: consecutive entries from
//! a random start, wrapping around, which costs O(numwant) and allocates
//! nothing beyond `out`. The start comes from the shard's `SmallRng`,
//! seeded from the OS so that clients cannot predict it. Seeders are
//! offered only leechers, as seeders have nothing to trade with each
//! other.
//!
//! # Counts
//!
//! A peer with `left == 0` is a seeder. Seeders and leechers are exact at
//! every moment. `completed` counts a download once: an announce with
//! event `completed` and nothing left, from an address whose entry was
//! absent or a leecher's. A stopped announce removes the entry at its
//! address, whatever peer id either carries; [`Swarm::expire`] drops peers
//! not seen for [`SwarmConfig::peer_ttl_secs`].
//!
//! # Listing
//!
//! A tracker that serves only some torrents (the tracker's mode `listed`)
//! keeps their info-hashes here, each with a tag of the caller's (mode
//! `private`: the release) in the same entry of its shard's table of
//! info-hashes as its completed count, and calls
//! [`Swarm::announce_listed`] (or [`Swarm::announce_listed_with`], which
//! hands the tag to the caller first) / [`Swarm::scrape_listed`]. A
//! torrent with peers carries a copy of its hash's entry (tag and count)
//! right after its key in the torrent table, kept in step by every change
//! to the entry under the shard lock, so an announce finds the tag and
//! the count in the slot it probes for the peers anyway; the table of
//! info-hashes is read only for a torrent's first peer, and the check
//! takes no lock or atomic of its own. `benches/announce.rs` (100,000
//! listed torrents with counts, a million peers, numwant 50): before the
//! copy, `announce` took 903-933 ns and `announce_listed` 798-874 ns,
//! each with a second probe for the count or the tag; with it, 781-822 ns
//! and 761-765 ns. A separate set behind its own locks cost more for the
//! lookup alone: 64 `RwLock<HashSet>` shards took 23 ns per lookup on one
//! thread but 50-110 ns on each of two, because every read lock writes
//! its lock word, whose cache line then moves between cores.
//!
//! [`Swarm::unlist`] removes the hash and the torrent's peers under that
//! same lock, so once it returns no announce can add a peer to the
//! torrent. A listed hash takes 39 bytes in a full table (20-byte key,
//! 8-byte tag, 8-byte completed count, two flags, and a control byte, at
//! most 7/8 full), twice that just after the table doubled: 4.5 to 8.9 MB
//! for 100,000 listed torrents.
//!
//! # Memory
//!
//! A peer's key is its address: 6 bytes for IPv4 (4 address, 2 port), 18
//! for IPv6 (16 + 2). Its record is 25 bytes with alignment 1: the 20-byte
//! [`PeerId`], the seeder flag and the last-seen [`Secs`] as 4 bytes. In
//! the `IndexMap` each entry adds its cached hash (8): 40 bytes for IPv4
//! (39 rounded up), 56 for IPv6 (51 rounded up). The index is a
//! hashbrown table of `usize` with one control byte per bucket, 9 bytes per
//! bucket at most 7/8 full, so about 10.3 bytes per peer; indexmap sizes
//! the entry vector to the table's capacity.
//!
//! | per peer | full map | just after it doubled |
//! | --- | --- | --- |
//! | IPv4 | 50 B | 100 B |
//! | IPv6 | 66 B | 132 B |
//!
//! Under a counting allocator, 917,504 IPv4 peers in one torrent (a full
//! table of 2^20 buckets) take 50.3 B each, IPv6 peers 66.3 B.
//! `peer::tests` pins the key, record and entry sizes.
//!
//! Per torrent: a 176-byte slot in the shard's table (20-byte key, 4 of
//! padding, the 17-byte copy of its hash's state and 7 of padding, two
//! 64-byte peer maps) and its control byte, the table at most 7/8 full,
//! plus the peer maps' own allocations, which start with room for three
//! peers (about 170 bytes). A torrent with one IPv4 peer costs about 400
//! bytes in all; 100,000 torrents of ten IPv4 peers take 95 MB. A
//! completed count takes a 38-byte slot (the one a listed hash takes) and
//! stays for the life of the process.
//!
//! Peer maps and shard maps shrink during sweeps once a quarter full, so a
//! swarm that once had a flash crowd gives the memory back.

pub mod clock;
mod keyed_hasher;
mod peer;
mod peer_map;
mod shard;
mod torrent;

pub use clock::{Clock, ManualClock, Secs, SystemClock};
use keyed_hasher::KeyedHasher;
use shard::Shard;
use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};
use tracker_proto::{AnnounceEvent, InfoHash, PeerId};

/// Tunables for the store.
#[derive(Clone, Debug)]
pub struct SwarmConfig {
    /// A peer that has not announced for this many seconds is dropped.
    pub peer_ttl_secs: u32,
    /// Peers handed out when the client does not say `numwant` (still
    /// capped by `max_numwant`).
    pub default_numwant: usize,
    /// Hard cap on `numwant` (the config validates it is at most 200).
    pub max_numwant: usize,
    /// Number of shards (rounded up to a power of two, at most
    /// [`Swarm::MAX_SHARDS`]).
    pub shards: usize,
}

impl Default for SwarmConfig {
    fn default() -> Self {
        Self {
            peer_ttl_secs: 2700,
            default_numwant: 50,
            max_numwant: 50,
            shards: 64,
        }
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

/// Seeders and leechers of one address family.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeerTotals {
    pub seeders: usize,
    pub leechers: usize,
}

/// [`SwarmTotals`] with the peers split by address family; a peer that
/// announced from an IPv4-mapped IPv6 address counts as IPv4.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FamilyTotals {
    pub torrents: usize,
    pub ipv4: PeerTotals,
    pub ipv6: PeerTotals,
}

impl From<FamilyTotals> for SwarmTotals {
    fn from(t: FamilyTotals) -> Self {
        SwarmTotals {
            torrents: t.torrents,
            seeders: t.ipv4.seeders + t.ipv6.seeders,
            leechers: t.ipv4.leechers + t.ipv6.leechers,
        }
    }
}

/// The store. `Send + Sync`; share it behind an `Arc`.
pub struct Swarm {
    shards: Box<[Mutex<Shard>]>,
    /// `shards.len() - 1`; the length is a power of two.
    shard_mask: usize,
    config: SwarmConfig,
}

/// Shows the configuration only: the shards hold member IP addresses,
/// which must never reach a log line.
impl fmt::Debug for Swarm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Swarm")
            .field("shards", &self.shards.len())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Swarm {
    /// The most shards `new` creates, whatever the configuration says.
    pub const MAX_SHARDS: usize = 1 << 16;

    pub fn new(config: SwarmConfig) -> Self {
        let count = config.shards.clamp(1, Self::MAX_SHARDS).next_power_of_two();
        let shards = (0..count).map(|_| Mutex::new(Shard::new())).collect();
        Self {
            shards,
            shard_mask: count - 1,
            config,
        }
    }

    /// Records the announce and fills `out` (cleared first) with up to
    /// numwant peers of the requester's address family, each address once
    /// and never the requester's own. A peer is its address: an announce
    /// replaces the entry at `req.addr` whatever peer id it had, and a
    /// `stopped` announce removes that entry and hands out no peers.
    /// Returns the torrent's counts after the change.
    ///
    /// A seeder is handed only leechers. An IPv4-mapped IPv6 address
    /// counts as IPv4. `out` is not allocated beyond `numwant` entries.
    pub fn announce(&self, req: &Announce, now: Secs, out: &mut Vec<PeerOut>) -> SwarmCounts {
        out.clear();
        let numwant = req
            .numwant
            .unwrap_or(self.config.default_numwant)
            .min(self.config.max_numwant);
        let admit_any = |_| Ok::<(), Infallible>(());
        let served = self
            .shard(&req.info_hash)
            .announce(req, now, numwant, out, admit_any);
        served.unwrap_or_else(|never| match never {})
    }

    /// Counts for one torrent; zeros for one never seen.
    pub fn scrape(&self, info_hash: &InfoHash) -> SwarmCounts {
        self.shard(info_hash).scrape(info_hash)
    }

    /// Drops peers not seen for `peer_ttl_secs`; returns how many.
    ///
    /// Locks one shard at a time, so announces to other shards go on.
    /// Until it runs, an overdue peer can still be handed out.
    pub fn expire(&self, now: Secs) -> usize {
        let Some(deadline) = now.0.checked_sub(self.config.peer_ttl_secs) else {
            return 0;
        };
        self.locked_shards()
            .map(|mut shard| shard.expire(Secs(deadline)))
            .sum()
    }

    /// Removes every peer whose address matches; returns how many.
    /// (Used when an access rule starts denying a network.)
    ///
    /// Peers that announced from IPv4-mapped IPv6 addresses are matched
    /// by their IPv4 address.
    pub fn remove_peers_where(&self, matches: impl Fn(&SocketAddr) -> bool) -> usize {
        self.locked_shards()
            .map(|mut shard| shard.remove_peers_where(&matches))
            .sum()
    }

    /// Drops every peer of one torrent at once; returns how many. Its
    /// completed count stays, so a torrent tracked again later carries on
    /// counting.
    pub fn remove_torrent(&self, info_hash: &InfoHash) -> usize {
        self.shard(info_hash).remove_torrent(info_hash)
    }

    /// [`Swarm::announce`] if `req.info_hash` is listed; `None`, with
    /// `out` cleared and nothing recorded, if it is not.
    pub fn announce_listed(
        &self,
        req: &Announce,
        now: Secs,
        out: &mut Vec<PeerOut>,
    ) -> Option<SwarmCounts> {
        self.announce_listed_with(req, now, out, |_| Ok::<(), Infallible>(()))
            .map(|served| served.unwrap_or_else(|never| match never {}))
    }

    /// [`Swarm::announce_listed`] that first hands the hash's tag to
    /// `admit`, under the shard lock: an `Err` from it is returned with
    /// nothing recorded in the swarm. (Mode `private` credits the announce to the
    /// release its tag names this way, with the one probe of the torrent
    /// table the announce makes anyway.)
    pub fn announce_listed_with<E>(
        &self,
        req: &Announce,
        now: Secs,
        out: &mut Vec<PeerOut>,
        admit: impl FnOnce(u64) -> Result<(), E>,
    ) -> Option<Result<SwarmCounts, E>> {
        out.clear();
        let numwant = req
            .numwant
            .unwrap_or(self.config.default_numwant)
            .min(self.config.max_numwant);
        let listed_only = |tag: Option<u64>| match tag {
            Some(tag) => admit(tag).map_err(Some),
            None => Err(None),
        };
        match self
            .shard(&req.info_hash)
            .announce(req, now, numwant, out, listed_only)
        {
            Ok(counts) => Some(Ok(counts)),
            Err(Some(refused)) => Some(Err(refused)),
            Err(None) => None,
        }
    }

    /// [`Swarm::scrape`] if `info_hash` is listed; `None` if it is not.
    pub fn scrape_listed(&self, info_hash: &InfoHash) -> Option<SwarmCounts> {
        let shard = self.shard(info_hash);
        shard.listed_tag(info_hash).map(|_| shard.scrape(info_hash))
    }

    pub fn is_listed(&self, info_hash: &InfoHash) -> bool {
        self.listed_tag(info_hash).is_some()
    }

    /// The tag `info_hash` is listed with, if it is.
    pub fn listed_tag(&self, info_hash: &InfoHash) -> Option<u64> {
        self.shard(info_hash).listed_tag(info_hash)
    }

    /// Lists `info_hash` with `tag`, a number of the caller's that
    /// [`Swarm::announce_listed_with`] hands back: served from the next
    /// call on. Returns false if it was listed already (the tag is
    /// replaced).
    pub fn list(&self, info_hash: InfoHash, tag: u64) -> bool {
        self.shard(&info_hash).list(info_hash, tag)
    }

    /// Unlists `info_hash` and drops its peers under the same lock, so no
    /// announce can slip a peer in between. Returns false if it was not
    /// listed (its peers, if any, are dropped all the same).
    pub fn unlist(&self, info_hash: &InfoHash) -> bool {
        self.shard(info_hash).unlist(info_hash)
    }

    /// Makes `hashes` the whole listed set, dropping the peers of every
    /// torrent no longer listed. Each shard changes at once, one after
    /// another.
    pub fn replace_listed(&self, hashes: impl IntoIterator<Item = (InfoHash, u64)>) {
        let mut fresh: Vec<HashMap<InfoHash, u64, KeyedHasher>> =
            self.shards.iter().map(|_| HashMap::default()).collect();
        for (info_hash, tag) in hashes {
            fresh[self.shard_index(&info_hash)].insert(info_hash, tag);
        }
        for (mut shard, listed) in self.locked_shards().zip(fresh) {
            shard.replace_listed(listed);
        }
    }

    /// How many info-hashes are listed.
    pub fn listed_count(&self) -> usize {
        self.locked_shards().map(|shard| shard.listed_count()).sum()
    }

    /// Completed counts changed since the last call, for persistence.
    pub fn take_dirty_completed(&self) -> Vec<(InfoHash, u64)> {
        let mut out = Vec::new();
        for mut shard in self.locked_shards() {
            shard.take_dirty_completed(&mut out);
        }
        out
    }

    /// Every non-zero completed count, for a full snapshot.
    pub fn completed_snapshot(&self) -> Vec<(InfoHash, u64)> {
        let mut out = Vec::new();
        for shard in self.locked_shards() {
            shard.completed_snapshot(&mut out);
        }
        out
    }

    /// Loads persisted completed counts at start (not marked dirty).
    pub fn load_completed(&self, counts: impl IntoIterator<Item = (InfoHash, u64)>) {
        for (info_hash, count) in counts {
            self.shard(&info_hash).load_completed(info_hash, count);
        }
    }

    pub fn totals(&self) -> SwarmTotals {
        self.family_totals().into()
    }

    /// Torrents, seeders and leechers per address family. Each shard keeps
    /// running sums, so this takes each shard's lock for a copy of three
    /// numbers and walks no peers.
    pub fn family_totals(&self) -> FamilyTotals {
        let mut totals = FamilyTotals::default();
        for shard in self.locked_shards().map(|shard| shard.totals()) {
            totals.torrents += shard.torrents;
            for (sum, part) in [
                (&mut totals.ipv4, shard.ipv4),
                (&mut totals.ipv6, shard.ipv6),
            ] {
                sum.seeders += part.seeders;
                sum.leechers += part.leechers;
            }
        }
        totals
    }

    /// The shard that owns `info_hash`, locked.
    ///
    /// Info-hashes are SHA-1 output, so their leading bytes are already
    /// uniform; a client inventing hashes to crowd one shard only slows
    /// its own shard, and the maps inside are keyed-hashed regardless.
    fn shard(&self, info_hash: &InfoHash) -> MutexGuard<'_, Shard> {
        lock(&self.shards[self.shard_index(info_hash)])
    }

    fn shard_index(&self, info_hash: &InfoHash) -> usize {
        let [a, b, c, d, ..] = info_hash.0;
        u32::from_le_bytes([a, b, c, d]) as usize & self.shard_mask
    }

    /// Every shard in turn, each locked while its guard lives: consume
    /// one before taking the next, so no two locks are ever held at once.
    fn locked_shards(&self) -> impl Iterator<Item = MutexGuard<'_, Shard>> {
        self.shards.iter().map(lock)
    }
}

/// Locks a shard, recovering it if a panic poisoned it.
///
/// A panic mid-update (a bug here, or a panicking `remove_peers_where`
/// predicate) can leave a peer map and its counts disagreeing. Peers are
/// soft state that clients re-announce every interval, so the shard drops
/// them all, which restores every invariant, and carries on; refusing its
/// torrents until a restart would be worse. Completed counts are kept.
fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(|poisoned| {
        let mut guard = poisoned.into_inner();
        guard.drop_peers();
        shard.clear_poison();
        guard
    })
}
