//! The catalog: which info-hashes the tracker serves in mode `listed`.
//!
//! In mode `listed` only the info-hashes of approved releases are tracked.
//! The portal adds a release's hashes when it is approved and removes them
//! when it is unapproved or deleted; both take effect on the next request,
//! and a removal drops the torrent's peers from the swarm before it
//! returns (design: "approving or deleting a release takes effect on the
//! tracker at once"). A hybrid release is listed under both of its hashes:
//! the v1 SHA-1 and the first 20 bytes of the v2 SHA-256 (BEP 52), since
//! clients announce it under both.
//!
//! # Representation
//!
//! The listed hashes live in the swarm, in the shard that holds their
//! torrent (see `swarm`'s crate docs, "Listing"), and this type is the
//! handle the portal holds. So the check an announce makes is a read of
//! the listing the torrent's slot copies, in the probe for its peers under
//! the shard lock the announce takes anyway, with no lock or atomic of its
//! own (only a torrent's first peer makes a second probe, of the table of
//! listed hashes); an approval or deletion locks one shard for one hash.
//!
//! Measured (release build, figures in `swarm`'s docs): an announce in
//! mode `listed` costs what one in mode `open` does. Before the torrent
//! carried the copy, the second probe added 25-35 ns, mostly one cache
//! miss into the listed table. A separate catalog of 64
//! `RwLock<HashSet>` shards cost 23 ns per lookup on one thread but
//! 50-110 ns on each of two, since every read lock writes its lock's
//! cache line, on top of the swarm's own shard lock. An `ArcSwap` of an
//! immutable set would read cheaply but make every approval a copy of the
//! whole set.
//!
//! # Which release a hash belongs to
//!
//! Each listed hash carries its release (id and freeleech flag) as the
//! swarm's tag for it, so mode `private` learns the release to credit
//! from the listing its announce reads anyway
//! ([`Catalog::release_of_tag`], [`swarm::Swarm::announce_listed_with`]):
//! no second table and no second cache miss per announce.
//!
//! # No peer outlives its listing
//!
//! A removal drops the torrent's peers under the lock that announces for
//! it take, so once [`Catalog::remove`] returns, no peer of that torrent
//! is in the swarm and none can be added.

use accounting::{Release, ReleaseId};
use std::fmt;
use std::sync::Arc;
use swarm::Swarm;
use tracker_proto::InfoHash;

/// The listed info-hashes of one swarm: a handle the tracker owns in
/// modes `listed` and `private` ([`crate::Tracker::catalog`]).
pub struct Catalog {
    swarm: Arc<Swarm>,
}

/// Shows the size only, like the swarm.
impl fmt::Debug for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalog")
            .field("listed", &self.len())
            .finish_non_exhaustive()
    }
}

/// The freeleech flag's bit in a tag; the id takes the 63 bits below it
/// (release ids are positive `i64`s).
const FREELEECH: u64 = 1 << 63;

fn tag_of(release: Release) -> u64 {
    debug_assert!(release.id.0 >= 0, "release ids are positive");
    (release.id.0 as u64 & !FREELEECH) | if release.freeleech { FREELEECH } else { 0 }
}

impl Catalog {
    /// The catalog of `swarm`, whose removals drop peers from it.
    pub fn new(swarm: Arc<Swarm>) -> Self {
        Self { swarm }
    }

    /// The release `info_hash` is listed for.
    pub fn release(&self, info_hash: &InfoHash) -> Option<Release> {
        self.swarm.listed_tag(info_hash).map(Self::release_of_tag)
    }

    /// The release a swarm tag of this catalog's stands for.
    pub fn release_of_tag(tag: u64) -> Release {
        Release {
            id: ReleaseId((tag & !FREELEECH) as i64),
            freeleech: tag & FREELEECH != 0,
        }
    }

    /// Whether `info_hash` is listed.
    pub fn contains(&self, info_hash: &InfoHash) -> bool {
        self.swarm.is_listed(info_hash)
    }

    /// Lists `info_hash` for `release`; announces for it are served from
    /// the next one on. Returns false if it was listed already (the
    /// release's details are updated all the same, e.g. its freeleech
    /// flag).
    pub fn insert(&self, info_hash: InfoHash, release: Release) -> bool {
        self.swarm.list(info_hash, tag_of(release))
    }

    /// Unlists `info_hash` and drops its peers from the swarm; the next
    /// announce for it is refused. Returns false if it was not listed
    /// (its peers, if any, are dropped all the same). The completed count
    /// stays, so listing the hash again carries on counting.
    pub fn remove(&self, info_hash: &InfoHash) -> bool {
        self.swarm.unlist(info_hash)
    }

    /// Makes `hashes` the whole catalog (at start, or to resynchronise
    /// with the store), dropping the peers of every hash that is no longer
    /// listed. Shards change one after another, each at once.
    pub fn replace_all(&self, hashes: impl IntoIterator<Item = (InfoHash, Release)>) {
        self.swarm.replace_listed(
            hashes
                .into_iter()
                .map(|(hash, release)| (hash, tag_of(release))),
        );
    }

    /// How many info-hashes are listed.
    pub fn len(&self) -> usize {
        self.swarm.listed_count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;
    use swarm::{Announce, PeerOut, Secs, SwarmConfig};
    use tracker_proto::{AnnounceEvent, PeerId};

    fn hash(n: u8) -> InfoHash {
        InfoHash([n; 20])
    }

    fn release(n: u8) -> Release {
        Release {
            id: ReleaseId(i64::from(n)),
            freeleech: false,
        }
    }

    fn catalog() -> (Catalog, Arc<Swarm>) {
        let swarm = Arc::new(Swarm::new(SwarmConfig::default()));
        (Catalog::new(Arc::clone(&swarm)), swarm)
    }

    fn join(swarm: &Swarm, info_hash: InfoHash, port: u16) {
        let announce = Announce {
            info_hash,
            peer_id: PeerId([1; 20]),
            addr: SocketAddr::from(([192, 0, 2, 1], port)),
            event: AnnounceEvent::Started,
            left: 0,
            numwant: None,
        };
        swarm.announce(&announce, Secs(1), &mut Vec::<PeerOut>::new());
    }

    #[test]
    fn an_inserted_hash_is_listed_until_it_is_removed() {
        let (catalog, _) = catalog();
        assert!(!catalog.contains(&hash(1)));
        assert!(catalog.insert(hash(1), release(1)));
        assert!(
            !catalog.insert(hash(1), release(1)),
            "a second insert changes nothing"
        );
        assert!(catalog.contains(&hash(1)));
        assert_eq!(catalog.release(&hash(1)), Some(release(1)));
        let free = Release {
            id: ReleaseId(i64::MAX),
            freeleech: true,
        };
        assert!(!catalog.insert(hash(1), free), "details are updated");
        assert_eq!(catalog.release(&hash(1)), Some(free));
        assert!(!catalog.contains(&hash(2)));
        assert_eq!(catalog.len(), 1);
        assert!(catalog.remove(&hash(1)));
        assert!(!catalog.remove(&hash(1)));
        assert!(!catalog.contains(&hash(1)));
        assert!(catalog.is_empty());
    }

    #[test]
    fn removing_a_hash_drops_its_peers_and_no_others() {
        let (catalog, swarm) = catalog();
        catalog.insert(hash(1), release(1));
        catalog.insert(hash(2), release(2));
        join(&swarm, hash(1), 6881);
        join(&swarm, hash(1), 6882);
        join(&swarm, hash(2), 6881);
        catalog.remove(&hash(1));
        assert_eq!(swarm.scrape(&hash(1)).seeders, 0);
        assert_eq!(swarm.scrape(&hash(2)).seeders, 1);
    }

    #[test]
    fn replace_all_lists_exactly_the_new_set_and_drops_the_peers_of_the_rest() {
        let (catalog, swarm) = catalog();
        catalog.replace_all((1..=100).map(|n| (hash(n), release(n))));
        assert_eq!(catalog.len(), 100);
        join(&swarm, hash(7), 6881);
        join(&swarm, hash(8), 6881);

        catalog.replace_all([(hash(8), release(8)), (hash(200), release(200))]);
        assert_eq!(catalog.release(&hash(200)), Some(release(200)));
        assert_eq!(catalog.release(&hash(7)), None);
        assert_eq!(catalog.len(), 2);
        assert!(!catalog.contains(&hash(7)));
        assert!(catalog.contains(&hash(8)));
        assert!(catalog.contains(&hash(200)));
        assert_eq!(swarm.scrape(&hash(7)).seeders, 0, "unlisted: peers dropped");
        assert_eq!(swarm.scrape(&hash(8)).seeders, 1, "still listed: kept");
    }
}
