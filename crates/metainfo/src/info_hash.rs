//! Info-hashes: which of v1 and v2 a torrent has, and the forms trackers
//! and magnet links use.
//!
//! BEP 3 names a torrent by the SHA-1 of its bencoded `info` dictionary;
//! BEP 52 by the SHA-256 of the same bytes, and tells trackers (whose wire
//! formats carry 20 bytes) to use the first 20 bytes of it. A hybrid torrent
//! has both, and clients announce it under both.

use std::fmt;

use sha1::{Digest, Sha1};
use sha2::Sha256;
use tracker_proto::InfoHash;

/// A BitTorrent v2 info-hash: SHA-256 of the bencoded `info` dictionary.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InfoHashV2(pub [u8; 32]);

impl InfoHashV2 {
    /// The first 20 bytes, which is what trackers see (BEP 52, "tracker
    /// protocol"): announces and scrapes for a v2 swarm carry this.
    pub fn truncated(&self) -> InfoHash {
        let mut short = [0; 20];
        short.copy_from_slice(&self.0[..20]);
        InfoHash(short)
    }

    /// Lower-case hex, 64 digits.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// Parses 64 hex digits (either case).
    pub fn from_hex(s: &str) -> Option<Self> {
        let bytes = s.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0; 32];
        for (byte, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            // Two hex digits make at most 0xff.
            *byte = (hi * 16 + lo) as u8;
        }
        Some(Self(out))
    }
}

impl fmt::Debug for InfoHashV2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InfoHashV2({})", self.to_hex())
    }
}

impl fmt::Display for InfoHashV2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Which protocol versions a torrent supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TorrentKind {
    /// BEP 3 only: `pieces`, and `length` or `files`.
    V1,
    /// BEP 52 only: `meta version` 2, `file tree`, `piece layers`.
    V2,
    /// Both, describing the same files (BEP 52, "upgrade path").
    Hybrid,
}

impl TorrentKind {
    /// `"v1"`, `"v2"` or `"hybrid"`: stable, for storage and display.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V2 => "v2",
            Self::Hybrid => "hybrid",
        }
    }
}

impl fmt::Display for TorrentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A torrent's info-hashes: always at least one, by construction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InfoHashes {
    V1(InfoHash),
    V2(InfoHashV2),
    Hybrid { v1: InfoHash, v2: InfoHashV2 },
}

impl InfoHashes {
    /// Hashes the raw bytes of an `info` dictionary for the versions it
    /// describes. The caller decides which versions are present; the bytes
    /// are the same either way.
    pub(crate) fn compute(info: &[u8], kind: TorrentKind) -> Self {
        let v1 = || InfoHash(Sha1::digest(info).into());
        let v2 = || InfoHashV2(Sha256::digest(info).into());
        match kind {
            TorrentKind::V1 => Self::V1(v1()),
            TorrentKind::V2 => Self::V2(v2()),
            TorrentKind::Hybrid => Self::Hybrid { v1: v1(), v2: v2() },
        }
    }

    /// Reassembles hashes kept apart (say, two nullable database columns);
    /// `None` if both are missing.
    pub fn from_parts(v1: Option<InfoHash>, v2: Option<InfoHashV2>) -> Option<Self> {
        match (v1, v2) {
            (Some(v1), Some(v2)) => Some(Self::Hybrid { v1, v2 }),
            (Some(v1), None) => Some(Self::V1(v1)),
            (None, Some(v2)) => Some(Self::V2(v2)),
            (None, None) => None,
        }
    }

    pub fn v1(&self) -> Option<InfoHash> {
        match *self {
            Self::V1(v1) | Self::Hybrid { v1, .. } => Some(v1),
            Self::V2(_) => None,
        }
    }

    pub fn v2(&self) -> Option<InfoHashV2> {
        match *self {
            Self::V2(v2) | Self::Hybrid { v2, .. } => Some(v2),
            Self::V1(_) => None,
        }
    }

    pub fn kind(&self) -> TorrentKind {
        match self {
            Self::V1(_) => TorrentKind::V1,
            Self::V2(_) => TorrentKind::V2,
            Self::Hybrid { .. } => TorrentKind::Hybrid,
        }
    }

    /// Every 20-byte hash a tracker may see for this torrent: the v1 hash
    /// and the truncated v2 hash. A hybrid torrent's swarm is announced
    /// under both, so a tracker that lists torrents must list both.
    pub fn tracker_hashes(&self) -> impl Iterator<Item = InfoHash> {
        self.v1()
            .into_iter()
            .chain(self.v2().map(|v2| v2.truncated()))
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_of_the_empty_dictionary_match_sha1sum_and_sha256sum() {
        // `printf de | sha1sum` and `printf de | sha256sum`.
        let hashes = InfoHashes::compute(b"de", TorrentKind::Hybrid);
        assert_eq!(
            hashes.v1().unwrap().to_hex(),
            "600ccd1b71569232d01d110bc63e906beab04d8c"
        );
        assert_eq!(
            hashes.v2().unwrap().to_hex(),
            "959a45d44e6fcf58361ed004681556fe50129f2109e817dec098c00c9e5d2578"
        );
        assert_eq!(
            InfoHashes::compute(b"de", TorrentKind::V1).v2(),
            None,
            "a v1 torrent has no v2 hash, though one could be computed"
        );
    }

    #[test]
    fn a_v2_hash_truncates_to_its_first_twenty_bytes() {
        let mut bytes = [0; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = i as u8;
        }
        let truncated = InfoHashV2(bytes).truncated();
        assert_eq!(truncated.0[..], bytes[..20]);
    }

    #[test]
    fn v2_hex_round_trips_in_either_case() {
        let hash = InfoHashV2([0xab; 32]);
        assert_eq!(hash.to_hex(), "ab".repeat(32));
        assert_eq!(InfoHashV2::from_hex(&"AB".repeat(32)), Some(hash));
        assert_eq!(InfoHashV2::from_hex(&"ab".repeat(20)), None);
        assert_eq!(InfoHashV2::from_hex(&"zz".repeat(32)), None);
    }

    #[test]
    fn a_hybrid_torrent_is_announced_under_both_hashes() {
        let v1 = InfoHash([1; 20]);
        let v2 = InfoHashV2([2; 32]);
        let hybrid = InfoHashes::from_parts(Some(v1), Some(v2)).unwrap();
        assert_eq!(hybrid.kind(), TorrentKind::Hybrid);
        let seen: Vec<_> = hybrid.tracker_hashes().collect();
        assert_eq!(seen, [v1, InfoHash([2; 20])]);
        assert_eq!(InfoHashes::from_parts(None, None), None);
        assert_eq!(
            InfoHashes::from_parts(None, Some(v2)).unwrap().kind(),
            TorrentKind::V2
        );
    }
}
