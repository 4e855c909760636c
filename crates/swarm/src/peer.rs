//! One peer as the store keeps it: raw address bytes, port, seeder flag and
//! last-seen time, nothing else.
//!
//! No `Debug` on these types on purpose: they hold member IP addresses,
//! which must never reach a log line (DESIGN.md, privacy invariant 1).

use crate::clock::Secs;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// The raw bytes of an IPv4 (`[u8; 4]`) or IPv6 (`[u8; 16]`) address.
pub(crate) trait CompactIp: Copy {
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

/// A stored peer: 12 bytes for IPv4, 24 for IPv6 (asserted in the tests).
///
/// Field order is irrelevant to the size, Rust reorders for packing; the
/// seeder flag rides in what would otherwise be padding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Peer<I> {
    pub(crate) ip: I,
    pub(crate) port: u16,
    pub(crate) seeder: bool,
    pub(crate) last_seen: Secs,
}

pub(crate) type PeerV4 = Peer<[u8; 4]>;
pub(crate) type PeerV6 = Peer<[u8; 16]>;

impl<I: CompactIp> Peer<I> {
    pub(crate) fn addr(&self) -> SocketAddr {
        self.ip.socket_addr(self.port)
    }
}

/// An announced address, sorted into the family whose peers it may see.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompactAddr {
    V4([u8; 4], u16),
    V6([u8; 16], u16),
}

impl From<SocketAddr> for CompactAddr {
    /// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2) is
    /// an IPv4 client seen through a dual-stack socket: it can only be
    /// reached over IPv4, so it joins the IPv4 peers. The deprecated
    /// IPv4-compatible form (`::a.b.c.d`) is left as IPv6, as std does.
    fn from(addr: SocketAddr) -> Self {
        match addr {
            SocketAddr::V4(a) => Self::V4(a.ip().octets(), a.port()),
            SocketAddr::V6(a) => match a.ip().to_ipv4_mapped() {
                Some(v4) => Self::V4(v4.octets(), a.port()),
                None => Self::V6(a.ip().octets(), a.port()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;
    use tracker_proto::PeerId;

    #[test]
    fn peer_entries_stay_the_size_the_module_docs_promise() {
        assert_eq!(size_of::<PeerV4>(), 12);
        assert_eq!(size_of::<PeerV6>(), 24);
        // An IndexMap entry is (hash: usize, key, value); indexmap's own
        // `Bucket` is private, so measure the same fields as a tuple.
        assert_eq!(size_of::<(usize, PeerId, PeerV4)>(), 40);
        assert_eq!(size_of::<(usize, PeerId, PeerV6)>(), 56);
    }

    #[test]
    fn ipv4_mapped_ipv6_addresses_become_ipv4() {
        let mapped: SocketAddr = "[::ffff:192.0.2.7]:6881".parse().unwrap();
        assert!(CompactAddr::from(mapped) == CompactAddr::V4([192, 0, 2, 7], 6881));
        let v6: SocketAddr = "[2001:db8::7]:6881".parse().unwrap();
        assert!(matches!(CompactAddr::from(v6), CompactAddr::V6(_, 6881)));
    }

    #[test]
    fn compact_addresses_convert_back_to_the_same_socket_address() {
        let peer = PeerV6 {
            ip: "2001:db8::1".parse::<Ipv6Addr>().unwrap().octets(),
            port: 51413,
            seeder: false,
            last_seen: Secs(0),
        };
        assert_eq!(
            peer.addr(),
            "[2001:db8::1]:51413".parse::<SocketAddr>().unwrap()
        );
    }
}
