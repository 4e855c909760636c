//! Replaying recorded traffic against a candidate policy, to see what it
//! would deny before enforcing it.

use std::collections::BTreeMap;

use crate::Policy;
use crate::counters::CounterRow;
use crate::country::CountryCode;
use crate::rules::{evaluate, parse_scope};

/// What a candidate policy would have done to recorded traffic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimulatedCountry {
    pub country: CountryCode,
    pub requests: u64,
    /// Requests the candidate would deny (shadow rules count as deny here,
    /// since simulating is previewing).
    pub would_deny: u64,
}

impl Policy {
    /// Replays aggregate counters against this policy. Counters know
    /// countries and scopes but not networks, so CIDR lists cannot be
    /// replayed: a rule's `lists` are treated as not matching (a rule that
    /// matches only on lists never matches; one that also names countries
    /// still matches on those), and the names of all rules with `lists`
    /// are returned in the second element, in rule order.
    ///
    /// A row's scope that is not one a rule can name matches only rules
    /// without `scope`. Countries are sorted by requests, most first
    /// (ties by code).
    pub fn simulate(&self, rows: &[CounterRow]) -> (Vec<SimulatedCountry>, Vec<String>) {
        let mut per_country: BTreeMap<CountryCode, (u64, u64)> = BTreeMap::new();
        for row in rows {
            let scope = parse_scope(&row.scope);
            let outcome = evaluate(
                &self.rules,
                &self.lists,
                self.default_deny,
                row.country.index(),
                None,
                scope.as_ref(),
            );
            let sums = per_country.entry(row.country).or_default();
            sums.0 += row.count;
            if outcome.denied || outcome.shadow.is_some() {
                sums.1 += row.count;
            }
        }
        let mut countries: Vec<SimulatedCountry> = per_country
            .into_iter()
            .map(|(country, (requests, would_deny))| SimulatedCountry {
                country,
                requests,
                would_deny,
            })
            .collect();
        countries.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.country.cmp(&b.country)));
        let unreplayable = self
            .rules
            .iter()
            .filter(|r| r.matcher.lists.is_some())
            .map(|r| r.name.clone())
            .collect();
        (countries, unreplayable)
    }
}
