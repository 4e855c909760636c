//! The hash every map in the store uses.

use std::hash::{BuildHasher, DefaultHasher, RandomState};
use std::sync::OnceLock;

/// std's keyed SipHash under keys drawn once per process.
///
/// Peers choose their ports (and, over IPv6, most of their address bits),
/// and in open mode clients choose info-hashes too, so the maps need a
/// keyed hash or a client could flood one bucket (HashDoS). A
/// `RandomState` in each map would do, but costs 16 bytes per map and a
/// torrent holds two peer maps; this zero-sized builder shares one key pair.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct KeyedHasher;

impl BuildHasher for KeyedHasher {
    type Hasher = DefaultHasher;

    fn build_hasher(&self) -> DefaultHasher {
        static KEYS: OnceLock<RandomState> = OnceLock::new();
        KEYS.get_or_init(RandomState::new).build_hasher()
    }
}
