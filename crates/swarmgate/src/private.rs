//! Tracker mode `private` and the catalog: loading what the tracker
//! checks on every announce (listed releases, members by passkey), keeping
//! the members in step with the database, and writing the ledger's credit
//! to it.
//!
//! # Credit never counted twice
//!
//! The flusher takes the ledger's pending credit, writes it in one
//! transaction, and on failure hands it back to the ledger, where it adds
//! to what accrued meanwhile; the next attempt writes both. A transaction
//! either committed or did not, so no credit is written twice; a crash
//! (`kill -9`) loses what was pending, at most one interval's worth.

use crate::config::AccountingConfig;
use crate::jobs::Ticker;
use crate::metrics::FlushMetrics;
use accounting::{Ledger, Member, MemberId, Members, Passkey, Release, ReleaseId};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use store::{Store, StoreError, TransferCredit};
use tracker::{Catalog, Shutdown};
use tracker_proto::InfoHash;

/// Makes the catalog the approved releases in the database. Returns how
/// many hashes are listed.
pub async fn load_catalog(store: &Store, catalog: &Catalog) -> Result<usize, StoreError> {
    let releases = store.listed_releases().await?;
    let entries: Vec<(InfoHash, Release)> = releases
        .iter()
        .flat_map(|r| {
            let release = Release {
                id: ReleaseId(r.id),
                freeleech: r.freeleech,
            };
            r.hashes.iter().map(move |hash| (*hash, release))
        })
        .collect();
    catalog.replace_all(entries);
    Ok(catalog.len())
}

/// Makes `members` the database's enabled accounts, each allowed to start
/// downloads or not under the minimum-ratio rule. Returns how many.
pub async fn load_members(
    store: &Store,
    members: &Members,
    config: &AccountingConfig,
) -> Result<usize, StoreError> {
    // A portal change (rotation, deletion) between the read and the swap
    // would be undone by stale rows: read again instead.
    for _ in 0..5 {
        let generation = members.generation();
        let history = members.begin_history_load();
        let entries = member_entries(store, config).await?;
        let held_back: Vec<i64> = entries
            .iter()
            .filter(|(_, m)| !m.may_start_downloads)
            .map(|(_, m)| m.id.0)
            .collect();
        let transfers = store.leeched_releases(&held_back).await?;
        if members.replace_all_if(generation, entries) {
            // Right after: a member just held back finds the downloads
            // they may resume.
            history.finish(
                held_back.into_iter().map(MemberId),
                transfers
                    .into_iter()
                    .map(|(member, release)| (MemberId(member), ReleaseId(release))),
            );
            return Ok(members.len());
        }
    }
    tracing::warn!("members kept changing during the reload; the next one retries");
    Ok(members.len())
}

async fn member_entries(
    store: &Store,
    config: &AccountingConfig,
) -> Result<Vec<(Passkey, Member)>, StoreError> {
    let rows = store.tracker_members().await?;
    let mut skipped = 0usize;
    let entries: Vec<(Passkey, Member)> = rows
        .iter()
        .filter_map(|row| {
            let Some(passkey) = Passkey::parse(row.passkey.as_bytes()) else {
                skipped += 1;
                return None;
            };
            let member = Member {
                id: MemberId(row.user_id),
                may_start_downloads: config
                    .may_start_downloads(row.totals.uploaded, row.totals.downloaded),
            };
            Some((passkey, member))
        })
        .collect();
    if skipped > 0 {
        tracing::warn!(
            accounts = skipped,
            "accounts with a malformed passkey cannot use the tracker"
        );
    }
    Ok(entries)
}

/// Reloads the members every `config.members_reload_secs` (the portal and
/// the control socket apply changes at once; this catches the rest and
/// re-evaluates the minimum ratio).
pub fn spawn_members_reload(
    store: Store,
    members: Arc<Members>,
    config: AccountingConfig,
    shutdown: Shutdown,
) {
    tokio::spawn(async move {
        let mut ticker = Ticker::every_secs(config.members_reload_secs, shutdown);
        while ticker.tick().await {
            if let Err(e) = load_members(&store, &members, &config).await {
                tracing::warn!(error = %e, "reloading the tracker's members failed; keeping the current ones");
            }
        }
    });
}

/// Writes the ledger's credit every `interval_secs` until shutdown, and
/// once more when `drained` fires (or its sender is dropped): after the
/// servers have stopped, so that an announce answered while they drain is
/// in that last write. Returns when it is done (or failed).
pub fn spawn_flusher(
    ledger: Arc<Ledger>,
    members: Arc<Members>,
    store: Store,
    metrics: Arc<FlushMetrics>,
    interval_secs: u64,
    shutdown: Shutdown,
    drained: tokio::sync::oneshot::Receiver<()>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = Ticker::every_secs(interval_secs, shutdown);
        while ticker.tick().await {
            flush(&ledger, &members, &store, &metrics).await;
        }
        let _ = drained.await;
        flush(&ledger, &members, &store, &metrics).await;
    })
}

/// One write of the pending credit; on failure it goes back to the ledger.
/// The downloads let in among what it takes join the history of the
/// members held back by the ratio rule ([`Members::note_transfers`]), once
/// taken and once written.
pub async fn flush(ledger: &Ledger, members: &Members, store: &Store, metrics: &FlushMetrics) {
    let entries = ledger.take_pending();
    if entries.is_empty() {
        return;
    }
    members.note_transfers(&entries);
    let credits: Vec<TransferCredit> = entries
        .iter()
        .map(|e| TransferCredit {
            user_id: e.member.0,
            release_id: e.release.0,
            uploaded: e.credit.uploaded,
            downloaded: e.credit.downloaded,
            snatched: e.credit.snatched,
            leeched: e.credit.leeched,
        })
        .collect();
    let started = std::time::Instant::now();
    let written = store.add_transfers(&credits, unix_now()).await;
    let took = started.elapsed();
    metrics.record(credits.len(), took, written.is_ok());
    match written {
        Ok(()) => {
            members.note_transfers(&entries);
            tracing::debug!(
                rows = credits.len(),
                ms = took.as_millis() as u64,
                "accounting flushed"
            );
        }
        Err(e) => {
            tracing::error!(error = %e, rows = credits.len(), "writing accounting failed; will retry");
            ledger.restore(entries);
        }
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
