//! [`PolicyHandle`]: the running policy, swapped atomically, with counters
//! that survive the swap.
//!
//! The handle holds an `ArcSwap` of a `Live` pair (policy, its counters).
//! A check loads the pair once, so the decision and the count always come
//! from the same policy. A replace swaps in a new pair and keeps the old
//! one in a retired list; a drain empties the live and retired counters
//! and drops a retired pair only once nothing else holds it. arc-swap
//! converts outstanding reader guards into strong references when it
//! swaps, so "nothing else holds it" (a strong count of one) means no
//! check that started before the swap can still count into it: no count
//! is ever lost to a reload.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

use crate::counters::{CounterRow, Counters, rows, slot_of};
use crate::{Decision, Policy, Scope};

#[derive(Debug)]
struct Live {
    policy: Arc<Policy>,
    counters: Counters,
}

impl Live {
    fn new(policy: Arc<Policy>) -> Arc<Self> {
        let counters = Counters::for_policy(&policy);
        Arc::new(Live { policy, counters })
    }
}

/// The running policy plus its live counters; readers call
/// [`PolicyHandle::current`], a reload calls [`PolicyHandle::replace`].
#[derive(Debug)]
pub struct PolicyHandle {
    live: ArcSwap<Live>,
    /// Replaced pairs whose counters have not been drained for good yet.
    retired: Mutex<Vec<Arc<Live>>>,
}

impl PolicyHandle {
    pub fn new(policy: Policy) -> Self {
        PolicyHandle {
            live: ArcSwap::new(Live::new(Arc::new(policy))),
            retired: Mutex::new(Vec::new()),
        }
    }

    /// A cheap snapshot (an `Arc` clone or a guard) that stays consistent
    /// for as long as it is held.
    pub fn current(&self) -> Arc<Policy> {
        Arc::clone(&self.live.load().policy)
    }

    /// Decides and counts the decision.
    #[inline]
    pub fn check(&self, ip: IpAddr, scope: Scope<'_>) -> Decision {
        let live = self.live.load();
        let (decision, country) = live.policy.decide_indexed(ip, &scope);
        let slot = slot_of(&decision, live.policy.rules.len());
        live.counters.record(&scope, slot, country);
        decision
    }

    /// Swaps in a new policy atomically; returns the old one. Counters of
    /// the old policy are kept until drained.
    pub fn replace(&self, policy: Policy) -> Arc<Policy> {
        let mut retired = self.retired.lock().unwrap_or_else(|e| e.into_inner());
        let old = self.live.swap(Live::new(Arc::new(policy)));
        let previous = Arc::clone(&old.policy);
        retired.push(old);
        previous
    }

    /// Takes the counts gathered since the last drain (for persistence),
    /// from the running policy and any it replaced. Rows with the same
    /// scope, country, rule name and decision are summed; sorted by scope,
    /// country, rule.
    pub fn drain_counters(&self) -> Vec<CounterRow> {
        let mut sums = BTreeMap::new();
        {
            let mut retired = self.retired.lock().unwrap_or_else(|e| e.into_inner());
            retired.retain(|live| {
                // Checked before draining: once only this list holds the
                // pair, nothing can count into it any more.
                let finished = Arc::strong_count(live) == 1;
                live.counters.drain_into(&live.policy, &mut sums);
                !finished
            });
        }
        let live = self.live.load_full();
        live.counters.drain_into(&live.policy, &mut sums);
        rows(sums)
    }

    /// The counts gathered since the last drain, left in place: what the
    /// next [`PolicyHandle::drain_counters`] would return, for showing
    /// live figures beside the persisted ones. Counts made while it reads
    /// may or may not be included; counts made before it started always
    /// are, even across a concurrent [`PolicyHandle::replace`]: the live
    /// pair is loaded under the lock that `replace` holds across its swap,
    /// so the pair is read either as live or as retired, never missed.
    pub fn pending_counters(&self) -> Vec<CounterRow> {
        let mut sums = BTreeMap::new();
        let retired = self.retired.lock().unwrap_or_else(|e| e.into_inner());
        for live in retired.iter() {
            live.counters.read_into(&live.policy, &mut sums);
        }
        let live = self.live.load_full();
        drop(retired);
        live.counters.read_into(&live.policy, &mut sums);
        rows(sums)
    }
}
