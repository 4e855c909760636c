//! The seeders refresh: copies each approved release's live seeder count
//! from the swarm into the store, where the catalog's "most seeders"
//! order reads it (`store::search`).
//!
//! Every `storage.seeders_refresh_interval_secs` it lists the approved
//! releases and their info-hashes, sums the seeders the swarm counts
//! under each hash a tracker sees (the v1 hash and the v2 hash truncated
//! to 20 bytes, BEP 52: a hybrid torrent's peers announce under either,
//! as the release page sums them), and writes the counts that changed
//! since the last write in one batch (`Store::set_seeders`). A count per
//! release is all that is stored: nothing about a peer.
//!
//! The first refresh runs one interval after start, when peers have had
//! time to announce again; it writes every count that differs from the
//! stored one. A failed write is retried at the next tick, from the
//! counts of that moment. The job ends at shutdown.

use crate::jobs::Ticker;
use std::collections::HashMap;
use std::sync::Arc;
use store::{ReleaseHashes, Store, StoreError};
use swarm::Swarm;
use tokio::task::JoinSet;
use tracker::{Shutdown, Tracker};
use tracker_proto::InfoHash;

/// Starts the refresh in `tasks`; it returns `Ok` at shutdown only.
pub fn spawn(
    tracker: Arc<Tracker>,
    store: Store,
    interval_secs: u64,
    shutdown: Shutdown,
    tasks: &mut JoinSet<anyhow::Result<()>>,
) {
    tasks.spawn(async move {
        let mut refresh = Refresh::default();
        let mut ticker = Ticker::every_secs(interval_secs, shutdown);
        while ticker.tick().await {
            // A refresh in progress is not cut short by shutdown: the
            // store stays open until every task has ended.
            match refresh.run(tracker.swarm(), &store).await {
                Ok(0) => {}
                Ok(changed) => tracing::debug!(changed, "refreshed seeder counts"),
                Err(e) => tracing::warn!(error = %e, "refreshing seeder counts failed; will retry"),
            }
        }
        Ok(())
    });
}

/// The counts last written, so a refresh sends only the changes.
#[derive(Debug, Default)]
pub struct Refresh {
    /// `None` until the first successful write: the store's values are
    /// unknown, so every count is sent (the store skips unchanged ones).
    written: Option<HashMap<i64, u64>>,
}

impl Refresh {
    /// One refresh; returns how many stored counts changed.
    pub async fn run(&mut self, swarm: &Swarm, store: &Store) -> Result<u64, StoreError> {
        let releases = store.approved_release_hashes().await?;
        let live: HashMap<i64, u64> = releases
            .iter()
            .map(|r| (r.id, live_seeders(swarm, r)))
            .collect();
        let changes: Vec<(i64, u64)> = match &self.written {
            None => live.iter().map(|(id, n)| (*id, *n)).collect(),
            Some(written) => live
                .iter()
                .filter(|(id, n)| written.get(id) != Some(n))
                .map(|(id, n)| (*id, *n))
                .collect(),
        };
        let changed = if changes.is_empty() {
            0
        } else {
            store.set_seeders(&changes).await?
        };
        // Releases no longer approved drop out of the map; if approved
        // again, their count is sent again.
        self.written = Some(live);
        Ok(changed)
    }
}

/// Seeders of a release in this node's swarm, over its tracker hashes.
fn live_seeders(swarm: &Swarm, release: &ReleaseHashes) -> u64 {
    tracker_hashes(release)
        .map(|hash| u64::from(swarm.scrape(&hash).seeders))
        .sum()
}

/// The hashes clients announce a release under: its v1 info-hash and
/// its v2 one truncated to 20 bytes (BEP 52), as
/// `metainfo::InfoHashes::tracker_hashes`.
fn tracker_hashes(release: &ReleaseHashes) -> impl Iterator<Item = InfoHash> {
    let v2 = release.v2.map(|v2| {
        let mut truncated = [0u8; 20];
        truncated.copy_from_slice(&v2[..20]);
        InfoHash(truncated)
    });
    release.v1.into_iter().chain(v2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hybrid_release_is_announced_under_both_hashes() {
        let mut v2 = [7u8; 32];
        v2[19] = 1;
        v2[20] = 2;
        let hybrid = ReleaseHashes {
            id: 1,
            v1: Some(InfoHash([1; 20])),
            v2: Some(v2),
        };
        let hashes: Vec<InfoHash> = tracker_hashes(&hybrid).collect();
        let mut truncated = [7u8; 20];
        truncated[19] = 1;
        assert_eq!(hashes, [InfoHash([1; 20]), InfoHash(truncated)]);
    }
}
