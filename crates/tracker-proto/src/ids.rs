//! Identifiers shared by every tracker wire format and by the swarm store.
//!
//! Both are 20 raw bytes on the wire (BEP 3, BEP 15). They are *not* text:
//! an HTTP client percent-encodes arbitrary bytes, so they are only ever
//! compared and hashed as bytes.

use std::fmt;

/// A BitTorrent v1 info-hash (SHA-1 of the bencoded `info` dictionary), or a
/// v2 info-hash truncated to 20 bytes as BEP 52 prescribes for trackers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InfoHash(pub [u8; 20]);

impl InfoHash {
    /// Lower-case hex, the form used in magnet links and logs.
    pub fn to_hex(&self) -> String {
        hex_lower(&self.0)
    }

    /// Parses 40 hex digits (either case).
    pub fn from_hex(s: &str) -> Option<Self> {
        parse_hex_20(s).map(Self)
    }
}

impl fmt::Debug for InfoHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InfoHash({})", self.to_hex())
    }
}

impl fmt::Display for InfoHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// The 20-byte id a client picks for itself per session.
///
/// Deliberately has no `Display`: a peer id can fingerprint a member, so it
/// must never reach a log line. `Debug` prints only its length.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId(pub [u8; 20]);

impl fmt::Debug for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PeerId(..)")
    }
}

/// The `event` of an announce (BEP 3; numeric codes from BEP 15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum AnnounceEvent {
    /// A regular interval announce (empty or absent `event`).
    #[default]
    None,
    /// The client just finished downloading.
    Completed,
    /// The client joined the swarm.
    Started,
    /// The client is leaving the swarm.
    Stopped,
}

fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    s
}

fn parse_hex_20(s: &str) -> Option<[u8; 20]> {
    let bytes = s.as_bytes();
    if bytes.len() != 40 {
        return None;
    }
    let mut out = [0u8; 20];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_hash_hex_round_trips_in_either_case() {
        let h = InfoHash([0xab; 20]);
        assert_eq!(h.to_hex(), "ab".repeat(20));
        assert_eq!(InfoHash::from_hex(&"AB".repeat(20)), Some(h));
        assert_eq!(InfoHash::from_hex("abc"), None);
        assert_eq!(InfoHash::from_hex(&"zz".repeat(20)), None);
    }

    #[test]
    fn peer_id_debug_never_shows_its_bytes() {
        let id = PeerId(*b"-qB4650-abcdefghijkl");
        assert_eq!(format!("{id:?}"), "PeerId(..)");
    }
}
