//! The access policy's decisions as a monotonic counter.
//!
//! `PolicyHandle` counts decisions since the last drain, and the
//! flusher (`jobs::spawn_flusher`) drains them into the store every
//! `storage.stats_flush_interval_secs`. A Prometheus counter must not
//! fall at each flush, so the flusher drains through [`PolicyTotals`],
//! which keeps the sum of everything drained; a scrape reports that sum
//! plus the counts not drained yet. Drains and reads take one mutex, so
//! no count is in both halves, or in neither, at once; a policy reload
//! during a read hides nothing either (`PolicyHandle::pending_counters`
//! reads the live and the replaced counters under one lock), so the sum
//! never goes back.

use super::counters;
use policy::{CounterRow, PolicyHandle};
use prometheus_client::encoding::DescriptorEncoder;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// (scope, country, rule, decision).
type Key = (String, String, String, String);

/// Policy decisions counted since start, across drains.
#[derive(Debug)]
pub struct PolicyTotals {
    handle: Arc<PolicyHandle>,
    /// Everything drained so far.
    drained: Mutex<BTreeMap<Key, u64>>,
}

fn key(row: &CounterRow) -> Key {
    (
        row.scope.clone(),
        row.country.as_str().to_owned(),
        row.rule.clone(),
        row.decision.clone(),
    )
}

impl PolicyTotals {
    pub fn new(handle: Arc<PolicyHandle>) -> Self {
        Self {
            handle,
            drained: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn handle(&self) -> &Arc<PolicyHandle> {
        &self.handle
    }

    /// Takes the counts since the last drain, for the store, and adds
    /// them to the totals.
    pub fn drain(&self) -> Vec<CounterRow> {
        let mut drained = self.drained.lock().unwrap_or_else(|e| e.into_inner());
        let rows = self.handle.drain_counters();
        for row in &rows {
            *drained.entry(key(row)).or_default() += row.count;
        }
        rows
    }

    /// Every row's count since start: (scope, country, rule, decision)
    /// and the count, sorted. Never lower than a previous answer.
    pub fn totals(&self) -> Vec<(Key, u64)> {
        let drained = self.drained.lock().unwrap_or_else(|e| e.into_inner());
        let mut now = drained.clone();
        for row in self.handle.pending_counters() {
            *now.entry(key(&row)).or_default() += row.count;
        }
        now.into_iter().collect()
    }

    /// Decisions since start, summed over every row.
    pub fn total(&self) -> u64 {
        self.totals().iter().map(|(_, c)| c).sum()
    }
}

/// `swarmgate_policy_decisions_total` and the running policy's rules.
#[derive(Debug)]
pub(super) struct Collector(pub(super) Arc<PolicyTotals>);

impl prometheus_client::collector::Collector for Collector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> std::fmt::Result {
        let totals = self.0.totals();
        counters(
            &mut encoder,
            "swarmgate_policy_decisions",
            "Access policy decisions since start, by scope, country (ISO code or unknown), \
             deciding rule (or default) and decision (allow, deny, shadow).",
            totals.iter().map(|((scope, country, rule, decision), n)| {
                (
                    [
                        ("scope", scope.as_str()),
                        ("country", country.as_str()),
                        ("rule", rule.as_str()),
                        ("decision", decision.as_str()),
                    ],
                    *n,
                )
            }),
        )?;
        super::gauge(
            &mut encoder,
            "swarmgate_policy_rules",
            "Rules in the running access policy.",
            super::count(self.0.handle.current().rules().len()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy::{Policy, Scope};
    use std::net::IpAddr;

    fn check(handle: &PolicyHandle, n: usize) {
        for _ in 0..n {
            handle.check(IpAddr::from([192, 0, 2, 1]), Scope::Tracker);
        }
    }

    #[test]
    fn totals_keep_counting_across_drains_and_reloads() {
        let handle = Arc::new(PolicyHandle::new(Policy::allow_all()));
        let totals = PolicyTotals::new(Arc::clone(&handle));
        check(&handle, 3);
        assert_eq!(totals.total(), 3, "pending counts are included");
        let drained = totals.drain();
        assert_eq!(drained.iter().map(|r| r.count).sum::<u64>(), 3);
        assert_eq!(totals.total(), 3, "a drain does not lower the total");
        check(&handle, 2);
        handle.replace(Policy::allow_all());
        check(&handle, 1);
        assert_eq!(totals.total(), 6, "a reload keeps the replaced counts");
        assert_eq!(totals.drain().iter().map(|r| r.count).sum::<u64>(), 3);
        assert!(totals.drain().is_empty());
        let rows = totals.totals();
        assert_eq!(rows.len(), 1, "{rows:?}");
        let ((scope, country, rule, decision), count) = &rows[0];
        assert_eq!(
            (
                scope.as_str(),
                country.as_str(),
                rule.as_str(),
                decision.as_str()
            ),
            ("tracker", "unknown", "default", "allow")
        );
        assert_eq!(*count, 6);
    }
}
