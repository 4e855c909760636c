//! Jurisdiction policy: who may use the portal and the tracker, decided
//! by country and network, switchable in seconds.
//!
//! Contract:
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
//!
//! Layout, in the order data flows:
//! - `file`: the TOML schema; `compile`: validation, then loading, into a
//!   [`Policy`] (`policy`).
//! - `geo`: MaxMind DB and CSV loaders, compiled into one sorted range
//!   table per address family (`geo::table`); `cidr`: named CIDR lists.
//! - `country`: ISO 3166-1 alpha-2 codes and their dense indices.
//! - `rules`: matching and first-match evaluation (shadow rules included).
//! - `handle` and `counters`: the swappable running policy and its
//!   aggregate counters; `simulate`: replaying counters against a candidate.
//!
//! The policy file format is documented in `file.rs`; rule semantics in
//! `rules.rs`; how several geo databases combine in `geo/mod.rs`.

mod cidr;
mod compile;
mod counters;
mod country;
mod error;
mod file;
mod geo;
mod handle;
mod policy;
mod rules;
mod simulate;

pub use counters::{CounterRow, Counters};
pub use country::CountryCode;
pub use error::PolicyError;
pub use handle::PolicyHandle;
pub use policy::Policy;
pub use rules::{Action, Rule};
pub use simulate::SimulatedCountry;

/// Where a request is going.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope<'a> {
    /// Web pages and the JSON API.
    Portal,
    /// Announce, scrape and UDP connect.
    Tracker,
    /// Serving .torrent files.
    Download,
    /// A release category (by slug), for rules scoped to one.
    Category(&'a str),
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
