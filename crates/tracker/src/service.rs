//! The transport-agnostic tracker core.
//!
//! UDP and HTTP both turn their wire requests into an [`AnnounceInput`] and
//! a client IP address and call [`Tracker::announce`]; what comes back is
//! protocol-neutral. Later access rules and passkey checks sit here, once,
//! instead of in each server.

use crate::stats::Stats;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use swarm::{Announce, Clock, PeerOut, Secs, Swarm, SwarmCounts};
use tracker_proto::udp::ConnectionIds;
use tracker_proto::{AnnounceEvent, InfoHash, PeerId};

/// What the servers tell clients about timing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrackerSettings {
    /// Seconds clients should wait between announces.
    pub announce_interval: u32,
    /// Seconds clients must wait at least (HTTP `min interval`).
    pub min_announce_interval: u32,
}

impl Default for TrackerSettings {
    fn default() -> Self {
        Self {
            announce_interval: 1800,
            min_announce_interval: 900,
        }
    }
}

/// An announce after the wire format has been parsed.
#[derive(Clone, Copy, Debug)]
pub struct AnnounceInput {
    pub info_hash: InfoHash,
    pub peer_id: PeerId,
    pub port: u16,
    pub event: AnnounceEvent,
    pub left: u64,
    pub numwant: Option<u32>,
}

/// The tracker: swarm store, clock, connection-id secret and counters.
#[derive(Debug)]
pub struct Tracker {
    swarm: Arc<Swarm>,
    clock: Arc<dyn Clock>,
    connection_ids: ConnectionIds,
    settings: TrackerSettings,
    stats: Stats,
}

impl Tracker {
    /// `connection_key` is the secret that signs UDP connection ids; use
    /// [`Tracker::random_connection_key`] outside tests.
    pub fn new(
        swarm: Arc<Swarm>,
        clock: Arc<dyn Clock>,
        settings: TrackerSettings,
        connection_key: [u8; 16],
    ) -> Self {
        Self {
            swarm,
            clock,
            connection_ids: ConnectionIds::new(connection_key),
            settings,
            stats: Stats::default(),
        }
    }

    pub fn random_connection_key() -> [u8; 16] {
        rand::random()
    }

    pub fn swarm(&self) -> &Arc<Swarm> {
        &self.swarm
    }

    pub fn settings(&self) -> TrackerSettings {
        self.settings
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn now(&self) -> Secs {
        self.clock.now()
    }

    pub(crate) fn connection_ids(&self) -> &ConnectionIds {
        &self.connection_ids
    }

    /// Records an announce from `client_ip` and fills `peers` with peers of
    /// the same address family.
    pub fn announce(
        &self,
        client_ip: IpAddr,
        input: &AnnounceInput,
        peers: &mut Vec<PeerOut>,
    ) -> SwarmCounts {
        let announce = Announce {
            info_hash: input.info_hash,
            peer_id: input.peer_id,
            addr: SocketAddr::new(client_ip.to_canonical(), input.port),
            event: input.event,
            left: input.left,
            numwant: input.numwant.map(|n| n as usize),
        };
        self.swarm.announce(&announce, self.clock.now(), peers)
    }

    pub fn scrape(&self, info_hash: &InfoHash) -> SwarmCounts {
        self.swarm.scrape(info_hash)
    }
}
