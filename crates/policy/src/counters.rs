//! Aggregate decision counters: scope x country x deciding rule, never an
//! address (privacy invariant 2).
//!
//! Each compiled policy gets its own [`Counters`]: for the built-in scopes a
//! flat array of atomics indexed by (scope, slot, country), where a slot is
//! a rule index or, last, the policy's default. Counting is one relaxed
//! `fetch_add` with no lock and no allocation. Category scopes, whose slugs
//! are open-ended, go to a small mutex-protected map instead.
//!
//! A request counts exactly one row: when a shadow rule matched and the
//! request was allowed, the shadow rule's slot (decision `shadow`);
//! otherwise the deciding rule's slot, or the default's.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::country::{COUNTRY_COUNT, CountryCode};
use crate::rules::{BUILTIN_SCOPES, builtin_index};
use crate::{Decision, Policy, Scope};

/// Distinct category slugs counted separately; further slugs (and absurdly
/// long ones) are counted under `category:*`, so a caller passing
/// unexpected slugs cannot grow the map without bound.
const MAX_CATEGORIES: usize = 1024;
const MAX_SLUG_LEN: usize = 100;
const OVERFLOW_SLUG: &str = "*";

/// Aggregate counts: never an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CounterRow {
    /// `portal`, `tracker`, `download`, or `category:<slug>`.
    pub scope: String,
    pub country: CountryCode,
    /// The deciding rule's name, or `default`.
    pub rule: String,
    /// `allow`, `deny`, or `shadow` (a shadow rule would have denied).
    pub decision: String,
    pub count: u64,
}

/// Counts of one category slug by (slot, country).
type CategoryCounts = HashMap<(u16, u16), u64>;

/// Rows being summed across policies: (scope, country, rule, decision).
pub(crate) type RowKey = (String, CountryCode, String, &'static str);

/// Counters live inside [`crate::PolicyHandle`]; this type is their storage.
pub struct Counters {
    /// Rules of the policy + 1 (the default).
    slots: usize,
    /// `[scope][slot][country]` for the built-in scopes.
    cells: Box<[AtomicU64]>,
    categories: Mutex<HashMap<Box<str>, CategoryCounts>>,
}

impl Default for Counters {
    /// Storage for a policy without rules.
    fn default() -> Self {
        Counters::with_slots(1)
    }
}

impl fmt::Debug for Counters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Counters")
            .field("slots", &self.slots)
            .finish_non_exhaustive()
    }
}

/// The slot a decision counts in; see the module doc.
#[inline]
pub(crate) fn slot_of(decision: &Decision, rules: usize) -> usize {
    match decision.shadow_rule {
        Some(shadow) if !decision.denied => shadow,
        _ => decision.rule.unwrap_or(rules),
    }
}

impl Counters {
    fn with_slots(slots: usize) -> Self {
        let cells = (0..BUILTIN_SCOPES.len() * slots * COUNTRY_COUNT)
            .map(|_| AtomicU64::new(0))
            .collect();
        Counters {
            slots,
            cells,
            categories: Mutex::new(HashMap::new()),
        }
    }

    /// Storage sized for `policy`.
    pub(crate) fn for_policy(policy: &Policy) -> Self {
        Counters::with_slots(policy.rules.len() + 1)
    }

    /// Counts one request.
    #[inline]
    pub(crate) fn record(&self, scope: &Scope<'_>, slot: usize, country: u16) {
        debug_assert!(slot < self.slots);
        match builtin_index(scope) {
            Some(s) => {
                let i = (s * self.slots + slot) * COUNTRY_COUNT + usize::from(country);
                if let Some(cell) = self.cells.get(i) {
                    cell.fetch_add(1, Ordering::Relaxed);
                }
            }
            None => {
                let Scope::Category(slug) = scope else { return };
                self.record_category(slug, slot, country);
            }
        }
    }

    #[cold]
    fn record_category(&self, slug: &str, slot: usize, country: u16) {
        let mut map = self.categories.lock().unwrap_or_else(|e| e.into_inner());
        let slug = if map.contains_key(slug)
            || (map.len() < MAX_CATEGORIES && slug.len() <= MAX_SLUG_LEN)
        {
            slug
        } else {
            OVERFLOW_SLUG
        };
        let per_slug = match map.get_mut(slug) {
            Some(m) => m,
            None => map.entry(slug.into()).or_default(),
        };
        *per_slug.entry((slot as u16, country)).or_default() += 1;
    }

    /// Moves every non-zero count into `out`, naming slots after `policy`
    /// (the policy these counters were sized for).
    pub(crate) fn drain_into(&self, policy: &Policy, out: &mut BTreeMap<RowKey, u64>) {
        self.sum_into(policy, out, true);
    }

    /// Adds every non-zero count to `out` and leaves the counts in place
    /// (see [`crate::PolicyHandle::pending_counters`]).
    pub(crate) fn read_into(&self, policy: &Policy, out: &mut BTreeMap<RowKey, u64>) {
        self.sum_into(policy, out, false);
    }

    fn sum_into(&self, policy: &Policy, out: &mut BTreeMap<RowKey, u64>, take: bool) {
        let name = |slot: usize| -> (String, &'static str) {
            match policy.rules.get(slot) {
                Some(rule) => (rule.name.clone(), rule.action.as_str()),
                None => ("default".to_owned(), policy.default_action().as_str()),
            }
        };
        let per_scope = self.slots * COUNTRY_COUNT;
        for (i, cell) in self.cells.iter().enumerate() {
            if cell.load(Ordering::Relaxed) == 0 {
                continue;
            }
            let count = if take {
                cell.swap(0, Ordering::Relaxed)
            } else {
                cell.load(Ordering::Relaxed)
            };
            let scope = BUILTIN_SCOPES[i / per_scope];
            let slot = (i % per_scope) / COUNTRY_COUNT;
            let country = CountryCode::from_index((i % COUNTRY_COUNT) as u16);
            let (rule, decision) = name(slot);
            *out.entry((scope.to_owned(), country, rule, decision))
                .or_default() += count;
        }
        let categories = {
            let mut map = self.categories.lock().unwrap_or_else(|e| e.into_inner());
            if take {
                std::mem::take(&mut *map)
            } else {
                map.clone()
            }
        };
        for (slug, counts) in categories {
            for ((slot, country), count) in counts {
                let (rule, decision) = name(usize::from(slot));
                let scope = format!("category:{slug}");
                let country = CountryCode::from_index(country);
                *out.entry((scope, country, rule, decision)).or_default() += count;
            }
        }
    }
}

/// Turns summed rows into [`CounterRow`]s (sorted by scope, country, rule).
pub(crate) fn rows(sums: BTreeMap<RowKey, u64>) -> Vec<CounterRow> {
    sums.into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|((scope, country, rule, decision), count)| CounterRow {
            scope,
            country,
            rule,
            decision: decision.to_owned(),
            count,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drained(counters: &Counters, policy: &Policy) -> Vec<CounterRow> {
        let mut sums = BTreeMap::new();
        counters.drain_into(policy, &mut sums);
        rows(sums)
    }

    #[test]
    fn counts_come_out_once_with_the_default_named_default() {
        let policy = Policy::allow_all();
        let counters = Counters::for_policy(&policy);
        let ru = CountryCode::parse("RU").unwrap().index();
        for _ in 0..3 {
            counters.record(&Scope::Tracker, 0, ru);
        }
        counters.record(&Scope::Portal, 0, 0);
        let rows = drained(&counters, &policy);
        assert_eq!(rows.len(), 2);
        let tracker = rows.iter().find(|r| r.scope == "tracker").unwrap();
        assert_eq!(
            (tracker.rule.as_str(), tracker.decision.as_str()),
            ("default", "allow")
        );
        assert_eq!((tracker.country.as_str(), tracker.count), ("RU", 3));
        assert_eq!(
            rows.iter()
                .find(|r| r.scope == "portal")
                .unwrap()
                .country
                .as_str(),
            "unknown"
        );
        assert!(drained(&counters, &policy).is_empty());
    }

    #[test]
    fn reading_counts_leaves_them_for_the_next_drain() {
        let policy = Policy::allow_all();
        let counters = Counters::for_policy(&policy);
        counters.record(&Scope::Tracker, 0, 0);
        counters.record(&Scope::Category("linux"), 0, 0);
        let mut read = BTreeMap::new();
        counters.read_into(&policy, &mut read);
        let read = rows(read);
        assert_eq!(read.len(), 2);
        assert_eq!(drained(&counters, &policy), read);
        assert!(drained(&counters, &policy).is_empty());
    }

    #[test]
    fn category_slugs_beyond_the_cap_are_counted_together() {
        let policy = Policy::allow_all();
        let counters = Counters::for_policy(&policy);
        for i in 0..MAX_CATEGORIES + 5 {
            counters.record(&Scope::Category(&format!("c{i}")), 0, 0);
        }
        counters.record(&Scope::Category(&"x".repeat(MAX_SLUG_LEN + 1)), 0, 0);
        let rows = drained(&counters, &policy);
        assert_eq!(rows.len(), MAX_CATEGORIES + 1);
        let overflow = rows.iter().find(|r| r.scope == "category:*").unwrap();
        assert_eq!(overflow.count, 6);
    }

    #[test]
    fn a_shadowed_allow_counts_as_shadow_and_a_shadowed_deny_as_deny() {
        let d = |denied, rule, shadow_rule| Decision {
            denied,
            rule,
            shadow_rule,
            country: CountryCode::UNKNOWN,
        };
        assert_eq!(slot_of(&d(false, None, Some(1)), 4), 1);
        assert_eq!(slot_of(&d(false, Some(3), Some(1)), 4), 1);
        assert_eq!(slot_of(&d(true, Some(2), Some(1)), 4), 2);
        assert_eq!(slot_of(&d(true, None, None), 4), 4);
    }
}
