//! `[policy]` and `[network]`: who may use swarmgate, and how a
//! client's address is known.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Access policy by country and network (see the README's "Access
/// policy" section for the file's format).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConfig {
    /// Policy file (TOML: geo databases, CIDR lists, ordered rules). Unset
    /// means everyone is allowed everywhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["/etc/swarmgate/policy.toml"]))]
    pub file: Option<PathBuf>,
    /// Reload the policy when the file, a geo database or a list it names
    /// changes on disk (checked every `watch_interval_ms`). SIGHUP and
    /// `swarmgate policy reload` always reload.
    pub watch: bool,
    /// Milliseconds between checks for changed policy files.
    pub watch_interval_ms: u64,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            file: None,
            watch: true,
            watch_interval_ms: 250,
        }
    }
}

/// How client addresses are determined.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkConfig {
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` headers are
    /// believed (CIDRs or addresses). From any other address those headers
    /// are ignored. In the environment: a comma-separated list.
    #[serde(deserialize_with = "list_or_comma_separated")]
    #[schemars(with = "Vec<String>")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// Accepts a list, or one comma-separated string (environment variables).
/// A bare address means a single-host network.
fn list_or_comma_separated<'de, D>(deserializer: D) -> Result<Vec<ipnet::IpNet>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    super::strings_or_comma_separated(deserializer)?
        .iter()
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| serde::de::Error::custom(format!("{s:?} is not a CIDR or address")))
        })
        .collect()
}
