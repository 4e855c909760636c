//! [`Policy`]: a compiled policy and the questions it answers.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::cidr::CidrList;
use crate::compile::compile;
use crate::country::CountryCode;
use crate::error::PolicyError;
use crate::geo::{self, Addr, GeoSource, GeoTable};
use crate::rules::{Action, Rule, evaluate};
use crate::{Decision, Scope};

/// Shown when the deciding rule has no message (or the default decided).
const GENERIC_MESSAGE: &str = "This service is not available from your location.";

/// A loaded, compiled policy.
#[derive(Debug)]
pub struct Policy {
    pub(crate) geo: GeoTable,
    pub(crate) lists: Vec<CidrList>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) default_deny: bool,
    /// Every file it was loaded from, policy file first.
    pub(crate) files: Vec<PathBuf>,
}

impl Policy {
    /// Loads and compiles the policy file at `path` (relative paths inside
    /// it are relative to the file's directory).
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| PolicyError::new(path, format!("cannot read: {e}")))?;
        compile(path, &text)
    }

    /// Compiles policy text as if it had been read from `path` (used for
    /// error messages and to resolve relative paths); for previewing an
    /// edit before saving it.
    pub fn parse(text: &str, path: &Path) -> Result<Policy, PolicyError> {
        compile(path, text)
    }

    /// A policy that allows everything and knows no countries (what runs
    /// when no policy file is configured).
    pub fn allow_all() -> Policy {
        Policy {
            geo: GeoTable::empty(),
            lists: Vec::new(),
            rules: Vec::new(),
            default_deny: false,
            files: Vec::new(),
        }
    }

    /// A policy with these geo databases, no rules and default allow: for
    /// looking up countries (`swarmgate geo lookup --db FILE`).
    pub fn from_geo_databases(paths: &[PathBuf]) -> Result<Policy, PolicyError> {
        let mut databases = Vec::with_capacity(paths.len());
        for path in paths {
            let source = GeoSource::File(path.clone());
            databases.extend(geo::load(&source).map_err(|e| e.standalone())?);
        }
        Ok(Policy {
            geo: GeoTable::compile(databases),
            files: paths.to_vec(),
            ..Policy::allow_all()
        })
    }

    /// Decides a request: the hot path. No allocation, no locks: one binary
    /// search in the range table, then the rules in order.
    #[inline]
    pub fn decide(&self, ip: IpAddr, scope: Scope<'_>) -> Decision {
        self.decide_indexed(ip, &scope).0
    }

    /// [`Policy::decide`], plus the country's dense index for counters.
    #[inline]
    pub(crate) fn decide_indexed(&self, ip: IpAddr, scope: &Scope<'_>) -> (Decision, u16) {
        let addr = Addr::of(ip);
        let country = self.geo.country(addr);
        let outcome = evaluate(
            &self.rules,
            &self.lists,
            self.default_deny,
            country,
            Some(addr),
            Some(scope),
        );
        let decision = Decision {
            denied: outcome.denied,
            rule: outcome.rule,
            shadow_rule: outcome.shadow,
            country: CountryCode::from_index(country),
        };
        (decision, country)
    }

    /// The country of `ip` and the path of the database that answered
    /// (None when no database knows it).
    pub fn country_of(&self, ip: IpAddr) -> (CountryCode, Option<&Path>) {
        let (country, source) = self.geo.country_and_source(Addr::of(ip));
        (CountryCode::from_index(country), source)
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// What the policy does when no rule matches: [`Action::Allow`] or
    /// [`Action::Deny`].
    pub fn default_action(&self) -> Action {
        if self.default_deny {
            Action::Deny
        } else {
            Action::Allow
        }
    }

    /// The deciding rule's message in the first of `languages` it has
    /// (e.g. from Accept-Language, best first), else English, else a
    /// generic sentence. For a decision by the default, the generic one.
    /// A language matches exactly, else by its primary subtag (`ru-RU`
    /// finds `ru`, and `ru` finds `ru-RU`), case-insensitively.
    pub fn message(&self, decision: &Decision, languages: &[&str]) -> &str {
        self.deciding_rule(decision)
            .and_then(|r| r.message_for(languages))
            .unwrap_or(GENERIC_MESSAGE)
    }

    /// The deciding rule's `blocked_by` URL, if any.
    pub fn blocked_by(&self, decision: &Decision) -> Option<&str> {
        self.deciding_rule(decision)?.blocked_by()
    }

    fn deciding_rule(&self, decision: &Decision) -> Option<&Rule> {
        self.rules.get(decision.rule?)
    }

    /// Every file this policy was loaded from (the policy file itself, geo
    /// databases, CIDR lists), for watching them for changes. Empty for
    /// [`Policy::allow_all`].
    pub fn source_files(&self) -> &[PathBuf] {
        &self.files
    }

    /// The geo databases in priority order (for GeoLite2 CSV, the blocks
    /// files).
    pub fn geo_databases(&self) -> &[PathBuf] {
        self.geo.sources()
    }

    /// How many IPv4 and IPv6 ranges with a known country the compiled
    /// table holds (after merging neighbours of one country).
    pub fn geo_ranges(&self) -> (usize, usize) {
        self.geo.range_counts()
    }
}
