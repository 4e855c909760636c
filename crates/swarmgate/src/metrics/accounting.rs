//! Mode `private`: the accounting flusher's writes, and the ledger's state
//! read at scrape time.

use super::{Sources, count, counter, gauge};
use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Upper bounds of the flush duration buckets, in seconds: a flush writes
/// one transaction of up to a few thousand rows.
const FLUSH_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// What the accounting flusher records about each write.
#[derive(Debug)]
pub struct FlushMetrics {
    duration: Histogram,
    rows: Counter,
    failures: Counter,
}

impl Default for FlushMetrics {
    fn default() -> Self {
        Self {
            duration: Histogram::new(FLUSH_BUCKETS),
            rows: Counter::default(),
            failures: Counter::default(),
        }
    }
}

impl FlushMetrics {
    /// A write of `rows` credits that took `took`, committed or not.
    pub fn record(&self, rows: usize, took: Duration, committed: bool) {
        self.duration.observe(took.as_secs_f64());
        if committed {
            self.rows.inc_by(rows as u64);
        } else {
            self.failures.inc();
        }
    }

    /// Credit rows written since start.
    pub fn rows_written(&self) -> u64 {
        self.rows.get()
    }

    /// Failed writes since start.
    pub fn failures(&self) -> u64 {
        self.failures.get()
    }

    pub(super) fn register(&self, registry: &mut Registry) {
        registry.register_with_unit(
            "swarmgate_accounting_flush_duration",
            "Time each write of the ledger's credit to the database took, failed ones included",
            Unit::Seconds,
            self.duration.clone(),
        );
        registry.register(
            "swarmgate_accounting_flushed_rows",
            "Credit rows (member, release, bytes) written to the database",
            self.rows.clone(),
        );
        registry.register(
            "swarmgate_accounting_flush_failures",
            "Writes of the ledger's credit that failed; their credit went back to the ledger \
             for the next attempt",
            self.failures.clone(),
        );
    }
}

/// The ledger and the member directory, read at scrape time.
#[derive(Debug)]
pub(super) struct Collector(pub(super) Arc<Sources>);

impl prometheus_client::collector::Collector for Collector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> std::fmt::Result {
        let Some(accounting) = self.0.tracker.accounting() else {
            return Ok(());
        };
        let ledger = &accounting.ledger;
        gauge(
            &mut encoder,
            "swarmgate_accounting_members",
            "Members whose passkeys the tracker accepts.",
            count(accounting.members.len()),
        )?;
        gauge(
            &mut encoder,
            "swarmgate_accounting_sessions",
            "Open accounting sessions (member, torrent, client).",
            count(ledger.sessions()),
        )?;
        // Counted by the ledger as credit comes and goes: each of the 64
        // shard locks is taken for a moment. An open session with credit
        // and the mark of its download let in count as two.
        gauge(
            &mut encoder,
            "swarmgate_accounting_backlog",
            "Credits waiting for the next write to the database.",
            count(ledger.backlog()),
        )?;
        counter(
            &mut encoder,
            "swarmgate_accounting_clamped",
            "Announces whose reported transfer exceeded accounting.max_rate_mib_per_sec and \
             was credited at that rate.",
            ledger.stats().clamped.load(Ordering::Relaxed),
        )?;
        counter(
            &mut encoder,
            "swarmgate_accounting_refused",
            "Announces refused by the minimum ratio or the download limit.",
            ledger.stats().refused.load(Ordering::Relaxed),
        )
    }
}
