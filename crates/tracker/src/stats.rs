//! Counters for every request and every class of bad input.
//!
//! Plain relaxed atomics: they are read for metrics and tests, never used
//! to make decisions, so no ordering between them is needed.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of one protocol.
#[derive(Debug, Default)]
pub struct ProtocolStats {
    pub connects: AtomicU64,
    pub announces: AtomicU64,
    pub scrapes: AtomicU64,
    /// Requests refused with an error reply (bad parameters, stale
    /// connection id, ...).
    pub errors: AtomicU64,
    /// Input so malformed that no reply was possible; dropped.
    pub dropped: AtomicU64,
    /// Requests refused by the access policy.
    pub denied: AtomicU64,
    /// Mode `listed`: announces refused, and info-hashes a scrape asked
    /// about and was told nothing of, because the hash is not listed.
    pub unlisted: AtomicU64,
    /// Mode `private`: announces and scrapes refused for their passkey
    /// (missing, malformed, unknown, revoked) or by an accounting rule
    /// (minimum ratio, download limit).
    pub unauthorized: AtomicU64,
    /// Replies the socket would not take (buffer full, peer gone).
    pub send_failures: AtomicU64,
}

#[derive(Debug, Default)]
pub struct Stats {
    pub udp: ProtocolStats,
    pub http: ProtocolStats,
}

/// A copy of one protocol's counters at a moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProtocolSnapshot {
    pub connects: u64,
    pub announces: u64,
    pub scrapes: u64,
    pub errors: u64,
    pub dropped: u64,
    pub denied: u64,
    pub unlisted: u64,
    pub unauthorized: u64,
    pub send_failures: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub udp: ProtocolSnapshot,
    pub http: ProtocolSnapshot,
}

pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl ProtocolStats {
    fn snapshot(&self) -> ProtocolSnapshot {
        let read = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ProtocolSnapshot {
            connects: read(&self.connects),
            announces: read(&self.announces),
            scrapes: read(&self.scrapes),
            errors: read(&self.errors),
            dropped: read(&self.dropped),
            denied: read(&self.denied),
            unlisted: read(&self.unlisted),
            unauthorized: read(&self.unauthorized),
            send_failures: read(&self.send_failures),
        }
    }
}

impl Stats {
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            udp: self.udp.snapshot(),
            http: self.http.snapshot(),
        }
    }
}
