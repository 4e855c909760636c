//! Background jobs: peer expiry, persisting completed counts, and
//! following branding saved by other portal processes.

use crate::metrics::PolicyTotals;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use store::{PolicyCount, Store};
use swarm::Swarm;
use tokio::task::JoinSet;
use tracker::{Shutdown, Tracker};
use tracker_proto::InfoHash;

/// How often expired peers are swept. Expiry is by age, so sweeping more
/// often than the TTL only bounds how long a dead peer lingers.
fn expiry_period(peer_ttl_secs: u32) -> Duration {
    Duration::from_secs(u64::from(peer_ttl_secs / 10).clamp(1, 60))
}

/// The clock of a periodic job: a tick every `period`, the first one
/// period after start (a late tick delays the next instead of bunching
/// them), until shutdown begins.
#[derive(Debug)]
pub struct Ticker {
    interval: tokio::time::Interval,
    shutdown: Shutdown,
}

impl Ticker {
    pub fn new(period: Duration, shutdown: Shutdown) -> Self {
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Self { interval, shutdown }
    }

    pub fn every_secs(secs: u64, shutdown: Shutdown) -> Self {
        Self::new(Duration::from_secs(secs), shutdown)
    }

    /// Waits for the next tick: true when it came, false once shutdown
    /// has begun.
    pub async fn tick(&mut self) -> bool {
        tokio::select! {
            () = self.shutdown.wait() => false,
            _ = self.interval.tick() => true,
        }
    }
}

pub fn spawn_expiry(
    tracker: Arc<Tracker>,
    peer_ttl_secs: u32,
    shutdown: Shutdown,
    tasks: &mut JoinSet<anyhow::Result<()>>,
) {
    let period = expiry_period(peer_ttl_secs);
    tasks.spawn(async move {
        let mut ticker = Ticker::new(period, shutdown);
        while ticker.tick().await {
            let now = tracker.now();
            let removed = tracker.swarm().expire(now);
            if removed > 0 {
                tracing::debug!(removed, "expired peers");
            }
            // Mode `private`: a session lives as long as its peer.
            if let Some(accounting) = tracker.accounting() {
                let cutoff = swarm::Secs(now.0.saturating_sub(peer_ttl_secs));
                let closed = accounting.ledger.expire(cutoff);
                if closed > 0 {
                    tracing::debug!(closed, "expired accounting sessions");
                }
            }
        }
        Ok(())
    });
}

/// Writes changed completed counts and the access policy's aggregate
/// counters every `interval_secs` and once more at shutdown. A failed write
/// (disk full, database locked) keeps them pending for the next attempt
/// instead of losing them; the tracker keeps serving meanwhile. The policy
/// counters are drained through `policy`, which keeps their sum for the
/// metrics.
pub fn spawn_flusher(
    swarm: Arc<Swarm>,
    policy: Arc<PolicyTotals>,
    store: Store,
    interval_secs: u64,
    shutdown: Shutdown,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut pending: HashMap<InfoHash, u64> = HashMap::new();
        let mut pending_counts: Vec<PolicyCount> = Vec::new();
        let mut ticker = Ticker::every_secs(interval_secs, shutdown);
        loop {
            let stopping = !ticker.tick().await;
            flush(&swarm, &store, &mut pending).await;
            flush_policy_counts(&policy, &store, &mut pending_counts).await;
            if stopping {
                return;
            }
        }
    })
}

async fn flush(swarm: &Swarm, store: &Store, pending: &mut HashMap<InfoHash, u64>) {
    for (hash, count) in swarm.take_dirty_completed() {
        let slot = pending.entry(hash).or_default();
        *slot = (*slot).max(count);
    }
    if pending.is_empty() {
        return;
    }
    let batch: Vec<(InfoHash, u64)> = pending.iter().map(|(h, c)| (*h, *c)).collect();
    match store.save_completed(&batch).await {
        Ok(()) => {
            tracing::debug!(torrents = batch.len(), "saved completed counts");
            pending.clear();
        }
        Err(e) => {
            tracing::error!(error = %e, torrents = batch.len(), "saving completed counts failed; will retry");
        }
    }
}

/// Counters are attributed to the hour in which they are flushed; with a
/// flush every minute, a count lands at most one interval late.
async fn flush_policy_counts(policy: &PolicyTotals, store: &Store, pending: &mut Vec<PolicyCount>) {
    pending.extend(policy.drain().into_iter().map(|row| PolicyCount {
        scope: row.scope,
        country: row.country.as_str().to_owned(),
        rule: row.rule,
        decision: row.decision,
        count: row.count,
    }));
    if pending.is_empty() {
        return;
    }
    match store.add_policy_counts(current_hour(), pending).await {
        Ok(()) => pending.clear(),
        Err(e) => {
            tracing::error!(error = %e, rows = pending.len(), "saving policy counters failed; will retry")
        }
    }
}

/// Every `interval_secs`, shows branding another portal process saved
/// (`portal::branding::BrandingCache::reload`: one integer read, the row
/// only when it changed). A failed read is retried at the next tick; pages
/// keep the branding they had.
pub fn spawn_branding_reload(
    branding: Arc<portal::branding::BrandingCache>,
    store: Store,
    interval_secs: u64,
    shutdown: Shutdown,
    tasks: &mut JoinSet<anyhow::Result<()>>,
) {
    tasks.spawn(async move {
        let mut ticker = Ticker::every_secs(interval_secs, shutdown);
        while ticker.tick().await {
            match branding.reload(&store).await {
                Ok(true) => tracing::info!("site branding changed; reloaded"),
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "reading the site branding failed; will retry")
                }
            }
        }
        Ok(())
    });
}

/// Hours since the Unix epoch.
pub fn current_hour() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs / 3600).unwrap_or(0)
}
