//! One peer as the store keeps it: its address as the key, and beside it
//! the peer id, seeder flag and last-seen time, nothing else.
//!
//! No `Debug` on these types on purpose: they hold member IP addresses,
//! which must never reach a log line (DESIGN.md, privacy invariant 1).

use crate::clock::Secs;
use std::hash::Hash;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use tracker_proto::PeerId;

/// The raw bytes of an IPv4 (`[u8; 4]`) or IPv6 (`[u8; 16]`) address.
pub(crate) trait CompactIp: Copy + Eq + Hash {
    fn socket_addr(self, port: u16) -> SocketAddr;
}

impl CompactIp for [u8; 4] {
    fn socket_addr(self, port: u16) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(self), port))
    }
}

impl CompactIp for [u8; 16] {
    fn socket_addr(self, port: u16) -> SocketAddr {
        SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::from(self), port, 0, 0))
    }
}

/// A peer's identity within its torrent and family: the address other
/// peers dial. 6 bytes for IPv4, 18 for IPv6 (asserted in the tests).
///
/// Not the peer id: clients choose that freely and dictionary-model
/// replies (BEP 3) show it to everyone, whereas only the endpoint itself
/// announces from its address.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct PeerKey<I> {
    pub(crate) ip: I,
    pub(crate) port: u16,
}

pub(crate) type PeerKeyV4 = PeerKey<[u8; 4]>;
pub(crate) type PeerKeyV6 = PeerKey<[u8; 16]>;

impl<I: CompactIp> PeerKey<I> {
    pub(crate) fn addr(&self) -> SocketAddr {
        self.ip.socket_addr(self.port)
    }
}

/// What the store keeps about a peer besides its address: 25 bytes with
/// alignment 1 (asserted in the tests).
///
/// `last_seen` is held as bytes rather than a 4-aligned [`Secs`]: aligned,
/// the record would round up to 28 bytes and an IPv4 map entry (8-byte
/// hash, 6-byte key, record) from 40 to 48.
#[derive(Clone, Copy)]
pub(crate) struct Peer {
    pub(crate) peer_id: PeerId,
    pub(crate) seeder: bool,
    last_seen: [u8; 4],
}

impl Peer {
    pub(crate) fn new(peer_id: PeerId, seeder: bool, last_seen: Secs) -> Self {
        Self {
            peer_id,
            seeder,
            last_seen: last_seen.0.to_ne_bytes(),
        }
    }

    pub(crate) fn last_seen(&self) -> Secs {
        Secs(u32::from_ne_bytes(self.last_seen))
    }
}

/// An announced address, sorted into the family whose peers it may see.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompactAddr {
    V4(PeerKeyV4),
    V6(PeerKeyV6),
}

impl From<SocketAddr> for CompactAddr {
    /// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2) is
    /// an IPv4 client seen through a dual-stack socket: it can only be
    /// reached over IPv4, so it joins the IPv4 peers, under the same key as
    /// the plain IPv4 address. The deprecated IPv4-compatible form
    /// (`::a.b.c.d`) is left as IPv6, as std does.
    fn from(addr: SocketAddr) -> Self {
        let port = addr.port();
        match addr {
            SocketAddr::V4(a) => Self::V4(PeerKey {
                ip: a.ip().octets(),
                port,
            }),
            SocketAddr::V6(a) => match a.ip().to_ipv4_mapped() {
                Some(v4) => Self::V4(PeerKey {
                    ip: v4.octets(),
                    port,
                }),
                None => Self::V6(PeerKey {
                    ip: a.ip().octets(),
                    port,
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, size_of};

    #[test]
    fn peer_entries_stay_the_size_the_module_docs_promise() {
        assert_eq!(size_of::<PeerKeyV4>(), 6);
        assert_eq!(size_of::<PeerKeyV6>(), 18);
        assert_eq!((size_of::<Peer>(), align_of::<Peer>()), (25, 1));
        // An IndexMap entry is (hash: usize, key, value); indexmap's own
        // `Bucket` is private, so measure the same fields as a tuple.
        assert_eq!(size_of::<(usize, PeerKeyV4, Peer)>(), 40);
        assert_eq!(size_of::<(usize, PeerKeyV6, Peer)>(), 56);
    }

    #[test]
    fn ipv4_mapped_ipv6_addresses_become_ipv4() {
        let mapped: SocketAddr = "[::ffff:192.0.2.7]:6881".parse().unwrap();
        let plain: SocketAddr = "192.0.2.7:6881".parse().unwrap();
        assert!(CompactAddr::from(mapped) == CompactAddr::from(plain));
        assert!(matches!(
            CompactAddr::from(mapped),
            CompactAddr::V4(PeerKey {
                ip: [192, 0, 2, 7],
                port: 6881
            })
        ));
        let v6: SocketAddr = "[2001:db8::7]:6881".parse().unwrap();
        assert!(matches!(
            CompactAddr::from(v6),
            CompactAddr::V6(PeerKey { port: 6881, .. })
        ));
    }

    #[test]
    fn compact_addresses_convert_back_to_the_same_socket_address() {
        let key = PeerKeyV6 {
            ip: "2001:db8::1".parse::<Ipv6Addr>().unwrap().octets(),
            port: 51413,
        };
        assert_eq!(
            key.addr(),
            "[2001:db8::1]:51413".parse::<SocketAddr>().unwrap()
        );
    }

    #[test]
    fn last_seen_reads_back_what_was_stored() {
        let peer = Peer::new(PeerId([7; 20]), true, Secs(0x0102_0304));
        assert_eq!(peer.last_seen(), Secs(0x0102_0304));
    }
}
