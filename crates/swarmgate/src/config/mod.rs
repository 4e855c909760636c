//! Configuration: documented data with defaults that run.
//!
//! Sources, later ones winning: built-in defaults, the TOML file given with
//! `--config`, then environment variables `SWARMGATE_<SECTION>__<KEY>`
//! (e.g. `SWARMGATE_TRACKER__UDP_BIND=127.0.0.1:7000`). Unknown keys and
//! bad values stop the start with a message that names the key.
//! `SWARMGATE_TEST_*` variables are not configuration: they belong to the
//! test harness (the PostgreSQL server of the store tests), which runs the
//! binary with them set.
//!
//! The doc comment on every field is the operator's documentation: it is
//! rendered into `swarmgate config example` (see [`crate::example`]).
//!
//! One module per part of the system, each with its sections, defaults
//! and checks: [`tracker`] (`[tracker]`), [`accounting`]
//! (`[accounting]`), [`portal`] (`[portal]`,
//! `[accounts]`, and their conversion into the portal crate's settings),
//! [`access`] (`[policy]`, `[network]`), [`storage`] (`[storage]`,
//! [`SecretUrl`]), [`metrics`] (`[metrics]`). Here: the whole
//! [`Config`], `[log]`, loading and errors. Every type is re-exported,
//! so `swarmgate::config::X` names them all.

pub mod access;
pub mod accounting;
pub mod metrics;
pub mod portal;
pub mod storage;
pub mod tracker;

pub use access::{NetworkConfig, PolicyConfig};
pub use accounting::AccountingConfig;
pub use metrics::MetricsConfig;
pub use portal::{
    AccountsConfig, PortalConfig, PrivateTorrents, RegistrationMode, SecureCookiesMode,
};
pub use storage::{SecretUrl, StorageConfig};
pub use tracker::{TrackerConfig, TrackerMode};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Prefix of the environment variables that set configuration keys.
pub const ENV_PREFIX: &str = "SWARMGATE_";

/// After [`ENV_PREFIX`]: variables of the test harness, not configuration.
const TEST_ENV_PREFIX: &str = "TEST_";

/// The whole configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub tracker: TrackerConfig,
    pub accounting: AccountingConfig,
    pub portal: PortalConfig,
    pub accounts: AccountsConfig,
    pub policy: PolicyConfig,
    pub network: NetworkConfig,
    pub storage: StorageConfig,
    pub metrics: MetricsConfig,
    pub log: LogConfig,
}

/// Log output. No log line ever carries an IP address, passkey or peer id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `text` (human-readable) or `json` (one object per line).
    pub format: LogFormat,
    /// Filter in `tracing` syntax, e.g. `info` or `swarmgate=debug,info`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// A configuration that could not be loaded; the message names the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Defaults, then `file` if given, then `SWARMGATE_*` variables from
    /// the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let env = Env::prefixed(ENV_PREFIX)
            .filter(|key| !key.starts_with(TEST_ENV_PREFIX))
            .split("__");
        Self::load_from(file, env)
    }

    fn load_from(file: Option<&Path>, env: Env) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError(format!(
                    "configuration file {} does not exist",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        Self::extract(figment.merge(env))
    }

    fn extract(figment: Figment) -> Result<Self, ConfigError> {
        let config: Config = figment.extract().map_err(describe_figment_error)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks that go beyond types, section by section.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.tracker.validate()?;
        self.accounting.validate()?;
        self.portal.validate()?;
        self.accounts.validate()?;
        self.metrics.validate(&[
            ("portal.bind", self.portal.bind),
            ("tracker.http_bind", self.tracker.http_bind),
        ])?;
        self.storage.validate()
    }
}

/// Accepts a list of strings, or one comma-separated string (how a list
/// is written in an environment variable). Items are trimmed; empty ones
/// are dropped.
fn strings_or_comma_separated<'de, D>(deserializer: D) -> Result<Vec<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        List(Vec<String>),
        One(String),
    }
    let items = match Raw::deserialize(deserializer)? {
        Raw::List(items) => items,
        Raw::One(s) => s.split(',').map(str::to_owned).collect(),
    };
    Ok(items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect())
}

fn describe_figment_error(error: figment::Error) -> ConfigError {
    let messages: Vec<String> = error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let source = e
                .metadata
                .as_ref()
                .map(|m| format!(" (from {})", m.name))
                .unwrap_or_default();
            if key.is_empty() {
                format!("{}{source}", e.kind)
            } else {
                format!("{key}: {}{source}", e.kind)
            }
        })
        .collect();
    ConfigError(format!("invalid configuration: {}", messages.join("; ")))
}

#[cfg(test)]
mod tests {
    // figment::Jail fixes the closure type; its error is large, and these are tests.
    #![allow(clippy::result_large_err)]

    use super::*;

    #[test]
    fn config_check_output_never_holds_the_database_password() {
        figment::Jail::expect_with(|jail| {
            jail.set_env(
                "SWARMGATE_STORAGE__DATABASE_URL",
                "postgres://sg:hunter2@localhost:5432/swarmgate",
            );
            let config = Config::load(None).unwrap();
            let url = config.storage.database_url.as_ref().unwrap();
            assert_eq!(
                url.expose(),
                "postgres://sg:hunter2@localhost:5432/swarmgate"
            );
            let printed = format!("{} {config:?}", toml::to_string(&config).unwrap());
            assert!(!printed.contains("hunter2"), "{printed}");
            assert!(printed.contains("postgres://sg:***@localhost:5432/swarmgate"));
            Ok(())
        });
    }

    #[test]
    fn the_test_harness_variables_are_not_configuration() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("SWARMGATE_TEST_DATABASE_URL", "postgres://127.0.0.1:1/t");
            jail.set_env("SWARMGATE_TEST_PG_CLUSTER", "/tmp/x");
            assert_eq!(Config::load(None).unwrap(), Config::default());
            Ok(())
        });
    }

    #[test]
    fn a_database_url_that_is_not_postgres_is_rejected_with_its_key() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("SWARMGATE_STORAGE__DATABASE_URL", "mysql://sg:pw@db/sg");
            let err = Config::load(None).unwrap_err().to_string();
            assert!(err.contains("storage.database_url"), "{err}");
            assert!(!err.contains("pw@"), "{err}");
            Ok(())
        });
    }
}
