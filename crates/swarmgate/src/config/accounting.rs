//! `[accounting]`: upload/download accounting in tracker mode `private`.

use super::ConfigError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// Per-member upload/download accounting (tracker mode `private` only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AccountingConfig {
    /// Seconds between writes of the credit gathered in memory to the
    /// database (one transaction each; once more at shutdown). A crash
    /// loses at most this much.
    pub flush_interval_secs: u64,
    /// Fastest transfer believed, in MiB per second: a client reporting
    /// more since its last announce is credited this much and the clamp is
    /// counted.
    pub max_rate_mib_per_sec: u64,
    /// Site-wide freeleech: downloads count against nobody's ratio. The
    /// state at start; `swarmgate freeleech on|off` switches the running
    /// server until a restart.
    pub site_freeleech: bool,
    /// Minimum ratio (uploaded / downloaded) to start new downloads; 0
    /// turns the rule off. Seeding is always allowed, and so is resuming
    /// a download the tracker let the member start before (after
    /// `stopped`, or a restart of the client or the tracker).
    pub min_ratio: f64,
    /// GiB a member may download before `min_ratio` applies to them.
    pub min_ratio_grace_gib: u64,
    /// Most releases a member may download at once; 0 for no limit.
    pub max_leeching: u32,
    /// Seconds between reloads of the members from the database, which
    /// also re-evaluates `min_ratio`. The portal applies passkey
    /// rotations, disabled and deleted accounts at once, and `swarmgate
    /// user ...` tells a running server through its control socket; this
    /// catches anything else.
    pub members_reload_secs: u64,
}

impl Default for AccountingConfig {
    fn default() -> Self {
        Self {
            flush_interval_secs: 10,
            max_rate_mib_per_sec: 1024,
            site_freeleech: false,
            min_ratio: 0.0,
            min_ratio_grace_gib: 5,
            max_leeching: 0,
            members_reload_secs: 60,
        }
    }
}

impl AccountingConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let fail = |key: &str, why: &str| Err(ConfigError(format!("accounting.{key}: {why}")));
        if self.flush_interval_secs == 0 {
            return fail("flush_interval_secs", "must be at least 1");
        }
        if self.max_rate_mib_per_sec == 0 {
            return fail("max_rate_mib_per_sec", "must be at least 1");
        }
        if !self.min_ratio.is_finite() || self.min_ratio < 0.0 {
            return fail("min_ratio", "must be a number of at least 0");
        }
        if self.members_reload_secs == 0 {
            return fail("members_reload_secs", "must be at least 1");
        }
        Ok(())
    }

    /// The ledger's rules.
    pub fn ledger_config(&self) -> accounting::LedgerConfig {
        accounting::LedgerConfig {
            max_rate: self.max_rate_mib_per_sec.saturating_mul(MIB),
            max_leeching: (self.max_leeching > 0).then_some(self.max_leeching),
            site_freeleech: self.site_freeleech,
        }
    }

    /// Whether a member with these sums may start new downloads under
    /// `min_ratio`.
    pub fn may_start_downloads(&self, uploaded: u64, downloaded: u64) -> bool {
        if self.min_ratio <= 0.0 || downloaded <= self.min_ratio_grace_gib.saturating_mul(GIB) {
            return true;
        }
        uploaded as f64 / downloaded as f64 >= self.min_ratio
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ratio_rule_applies_after_the_grace_only() {
        let mut config = AccountingConfig::default();
        assert!(config.may_start_downloads(0, 100 * GIB), "off by default");
        config.min_ratio = 0.5;
        assert!(config.may_start_downloads(0, 5 * GIB), "within the grace");
        assert!(!config.may_start_downloads(GIB, 6 * GIB));
        assert!(config.may_start_downloads(3 * GIB, 6 * GIB));
    }

    #[test]
    fn nonsense_values_are_refused_by_name() {
        let config = AccountingConfig {
            min_ratio: f64::NAN,
            ..AccountingConfig::default()
        };
        assert!(
            config
                .validate()
                .unwrap_err()
                .0
                .starts_with("accounting.min_ratio")
        );
        let config = AccountingConfig {
            flush_interval_secs: 0,
            ..AccountingConfig::default()
        };
        assert!(config.validate().is_err());
    }
}
