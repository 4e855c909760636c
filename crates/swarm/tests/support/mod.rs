//! Helpers shared by the swarm's integration tests.
// Each test file uses a subset of these helpers and re-exports.
#![allow(dead_code, unused_imports)]

pub use std::net::SocketAddr;
pub use std::sync::Arc;
pub use swarm::{
    Announce, Clock, ManualClock, PeerOut, Secs, Swarm, SwarmConfig, SwarmCounts, SwarmTotals,
};
pub use tracker_proto::{AnnounceEvent, InfoHash, PeerId};

pub const T0: Secs = Secs(1_000);

pub fn swarm() -> Swarm {
    Swarm::new(SwarmConfig {
        peer_ttl_secs: 60,
        shards: 4,
        ..SwarmConfig::default()
    })
}

pub fn hash(n: u8) -> InfoHash {
    InfoHash([n; 20])
}

pub fn id(n: u8) -> PeerId {
    PeerId([n; 20])
}

pub fn v4(n: u8) -> SocketAddr {
    SocketAddr::from(([192, 0, 2, n], 6881))
}

pub fn port(n: u8, port: u16) -> SocketAddr {
    SocketAddr::from(([192, 0, 2, n], port))
}

pub fn v6(n: u8) -> SocketAddr {
    format!("[2001:db8::{n:x}]:6881").parse().unwrap()
}

pub fn leecher(torrent: u8, peer: u8, addr: SocketAddr) -> Announce {
    Announce {
        info_hash: hash(torrent),
        peer_id: id(peer),
        addr,
        event: AnnounceEvent::Started,
        left: 1_000,
        numwant: None,
    }
}

pub fn seeder(torrent: u8, peer: u8, addr: SocketAddr) -> Announce {
    Announce {
        left: 0,
        ..leecher(torrent, peer, addr)
    }
}

pub fn with(event: AnnounceEvent, req: Announce) -> Announce {
    Announce { event, ..req }
}

pub fn announce(swarm: &Swarm, req: &Announce) -> (SwarmCounts, Vec<PeerOut>) {
    let mut out = Vec::new();
    let counts = swarm.announce(req, T0, &mut out);
    (counts, out)
}

/// The first byte of each peer id, sorted.
pub fn ids(peers: &[PeerOut]) -> Vec<u8> {
    let mut ids: Vec<u8> = peers.iter().map(|p| p.peer_id.0[0]).collect();
    ids.sort_unstable();
    ids
}

pub fn counts(seeders: u32, leechers: u32, completed: u64) -> SwarmCounts {
    SwarmCounts {
        seeders,
        leechers,
        completed,
    }
}
