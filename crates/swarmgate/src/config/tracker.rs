//! `[tracker]`: the UDP and HTTP tracker's addresses, timings, peer
//! lists and mode.

use super::ConfigError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// The BitTorrent tracker (UDP and HTTP).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TrackerConfig {
    /// Address of the UDP tracker (BEP 15). `0.0.0.0:PORT` also listens on
    /// `[::]:PORT` where the system has IPv6.
    pub udp_bind: SocketAddr,
    /// Address of the HTTP tracker (`/announce`, `/scrape`, and
    /// `/announce/<passkey>`, `/scrape/<passkey>` as in members' .torrent
    /// files). `0.0.0.0:PORT` also listens on `[::]:PORT` where the system
    /// has IPv6.
    pub http_bind: SocketAddr,
    /// Threads answering UDP requests; 0 means one per CPU core.
    pub udp_workers: usize,
    /// Seconds clients are asked to wait between announces.
    pub announce_interval_secs: u32,
    /// Seconds clients must wait at least between announces (HTTP
    /// `min interval`).
    pub min_announce_interval_secs: u32,
    /// Seconds after its last announce that a peer is forgotten. Keep it
    /// above `announce_interval_secs`, or idle peers vanish between
    /// announces.
    pub peer_ttl_secs: u32,
    /// Peers handed out when a client does not say how many it wants.
    pub default_numwant: usize,
    /// Most peers handed out per announce, whatever the client asks (at
    /// most 200).
    pub max_numwant: usize,
    /// Which torrents are tracked: `open` (any info-hash, from its first
    /// announce), `listed` (only the info-hashes of releases approved in
    /// the portal; other announces are refused with "torrent not
    /// registered with this tracker"), or `private` (listed, and every
    /// announce must carry a member's passkey, as in the .torrent files
    /// the portal hands out; each member's uploaded and downloaded bytes
    /// are accounted per release, see `[accounting]`). Approving,
    /// unapproving or deleting a release takes effect on the tracker at
    /// once.
    pub mode: TrackerMode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TrackerMode {
    Open,
    Listed,
    Private,
}

impl From<TrackerMode> for ::tracker::TrackerMode {
    fn from(mode: TrackerMode) -> Self {
        match mode {
            TrackerMode::Open => Self::Open,
            TrackerMode::Listed => Self::Listed,
            TrackerMode::Private => Self::Private,
        }
    }
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            udp_bind: SocketAddr::from(([0, 0, 0, 0], 6969)),
            http_bind: SocketAddr::from(([0, 0, 0, 0], 6969)),
            udp_workers: 0,
            announce_interval_secs: 1800,
            min_announce_interval_secs: 900,
            peer_ttl_secs: 2700,
            default_numwant: 50,
            max_numwant: 50,
            mode: TrackerMode::Open,
        }
    }
}

impl TrackerConfig {
    /// Checks that go beyond types.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let fail = |key: &str, why: &str| Err(ConfigError(format!("tracker.{key}: {why}")));
        if self.max_numwant == 0 || self.max_numwant > 200 {
            return fail("max_numwant", "must be between 1 and 200");
        }
        if self.default_numwant > self.max_numwant {
            return fail("default_numwant", "must not exceed tracker.max_numwant");
        }
        if self.announce_interval_secs == 0 {
            return fail("announce_interval_secs", "must be at least 1");
        }
        if self.min_announce_interval_secs > self.announce_interval_secs {
            return fail(
                "min_announce_interval_secs",
                "must not exceed tracker.announce_interval_secs",
            );
        }
        if self.peer_ttl_secs <= self.announce_interval_secs {
            return fail(
                "peer_ttl_secs",
                "must exceed tracker.announce_interval_secs",
            );
        }
        Ok(())
    }
}
