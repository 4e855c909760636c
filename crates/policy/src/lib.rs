//! Jurisdiction policy: who may use the portal and the tracker, decided
//! by country and network, switchable in seconds.
//!
//! Contract (the implementation fills in the bodies, modules and tests):
//! - [`Policy::load`] reads a policy TOML file, the geo databases and CIDR
//!   lists it names, and compiles them: every error names the file and the
//!   line or byte offset, and nothing half-loaded is ever returned.
//! - [`Policy::decide`] is the hot path (every announce): a binary search
//!   over a compiled range table plus a walk over the rules; no allocation,
//!   no locks, well under a microsecond.
//! - [`PolicyHandle`] swaps a whole policy atomically (readers never see
//!   half a policy) and carries the in-memory [`Counters`].
//! - Nothing here ever stores or prints an address: counters are aggregate
//!   (scope x country x rule), the rest is configuration.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

/// ISO 3166-1 alpha-2 country code (upper case), or [`CountryCode::UNKNOWN`]
/// for addresses no database knows (and loopback/private ranges, unless a
/// database says otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Written `unknown` in policy files and output.
    pub const UNKNOWN: CountryCode = CountryCode(*b"??");

    /// Parses `RU`, `ru` or `unknown`; None for anything else (including
    /// codes that are not assigned ISO 3166-1 alpha-2 codes).
    pub fn parse(s: &str) -> Option<Self> {
        todo!()
    }

    /// `RU`, or `unknown`.
    pub fn as_str(&self) -> &str {
        todo!()
    }
}

/// Where a request is going.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope<'a> {
    /// Web pages and the JSON API.
    Portal,
    /// Announce, scrape and UDP connect.
    Tracker,
    /// Serving .torrent files and magnet links.
    Download,
    /// A release category (by slug), for rules scoped to one.
    Category(&'a str),
}

/// What a rule does when it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Allow,
    Deny,
    /// Counts as if denied, denies nothing; evaluation goes on to the next
    /// rule, so adding a shadow rule never changes what is enforced.
    Shadow,
}

/// The outcome for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// True when the request must be refused.
    pub denied: bool,
    /// Index into [`Policy::rules`] of the rule that decided; None when
    /// the policy's default decided.
    pub rule: Option<usize>,
    /// Index of the first shadow rule that matched (would have denied).
    pub shadow_rule: Option<usize>,
    /// The country the address mapped to.
    pub country: CountryCode,
}

/// One compiled rule, for explaining decisions.
#[derive(Clone, Debug)]
pub struct Rule {
    pub name: String,
    pub action: Action,
    // (matching fields are private to the implementation)
}

/// A loaded, compiled policy.
#[derive(Debug)]
pub struct Policy {
    _private: (),
}

/// A policy file, database or list that could not be loaded; says which
/// file and where.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct PolicyError {
    pub path: std::path::PathBuf,
    /// Includes the line or byte offset when there is one.
    pub message: String,
}

impl Policy {
    /// Loads and compiles the policy file at `path` (relative paths inside
    /// it are relative to the file's directory).
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        todo!()
    }

    /// A policy that allows everything and knows no countries (what runs
    /// when no policy file is configured).
    pub fn allow_all() -> Policy {
        todo!()
    }

    pub fn decide(&self, ip: IpAddr, scope: Scope<'_>) -> Decision {
        todo!()
    }

    /// The country of `ip` and the path of the database that answered
    /// (None when no database knows it).
    pub fn country_of(&self, ip: IpAddr) -> (CountryCode, Option<&Path>) {
        todo!()
    }

    pub fn rules(&self) -> &[Rule] {
        todo!()
    }

    /// The deciding rule's message in the first of `languages` it has
    /// (e.g. from Accept-Language, best first), else English, else a
    /// generic sentence. For a decision by the default, the generic one.
    pub fn message(&self, decision: &Decision, languages: &[&str]) -> &str {
        todo!()
    }

    /// The deciding rule's `blocked_by` URL, if any.
    pub fn blocked_by(&self, decision: &Decision) -> Option<&str> {
        todo!()
    }
}

/// The running policy plus its live counters; readers call
/// [`PolicyHandle::current`], a reload calls [`PolicyHandle::replace`].
#[derive(Debug)]
pub struct PolicyHandle {
    _private: (),
}

impl PolicyHandle {
    pub fn new(policy: Policy) -> Self {
        todo!()
    }

    /// A cheap snapshot (an `Arc` clone or a guard) that stays consistent
    /// for as long as it is held.
    pub fn current(&self) -> Arc<Policy> {
        todo!()
    }

    /// Decides and counts the decision.
    pub fn check(&self, ip: IpAddr, scope: Scope<'_>) -> Decision {
        todo!()
    }

    /// Swaps in a new policy atomically; returns the old one. Counters of
    /// the old policy are kept until drained.
    pub fn replace(&self, policy: Policy) -> Arc<Policy> {
        todo!()
    }

    /// Takes the counts gathered since the last drain (for persistence).
    pub fn drain_counters(&self) -> Vec<CounterRow> {
        todo!()
    }
}

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

/// Counters live inside [`PolicyHandle`]; this type is their storage.
#[derive(Debug, Default)]
pub struct Counters {
    _private: (),
}

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
    /// countries and scopes but not networks, so rules that match only on
    /// CIDR lists cannot be replayed: they are treated as not matching and
    /// their names are returned in the second element.
    pub fn simulate(&self, rows: &[CounterRow]) -> (Vec<SimulatedCountry>, Vec<String>) {
        todo!()
    }
}
