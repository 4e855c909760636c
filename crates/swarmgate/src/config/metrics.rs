//! `[metrics]`: the Prometheus endpoint and its own listener.

use super::ConfigError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// Prometheus metrics (`GET /metrics`) on a listener of their own, never
/// on the portal's or the tracker's port. The figures are aggregates:
/// no label holds an address, passkey, account name or raw path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// Serve the metrics endpoint; `false` binds nothing (`swarmgate
    /// status` works either way, through the control socket).
    pub enabled: bool,
    /// Address of the metrics endpoint. Anyone who can reach it reads the
    /// figures, so keep it on loopback or a monitoring network; it must
    /// differ from `portal.bind` and `tracker.http_bind`. The default port
    /// lies outside 9100-9999, the exporters' range (all taken, 9100 by
    /// node_exporter), and outside Prometheus's own 9090-9094.
    pub bind: SocketAddr,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            bind: SocketAddr::from(([127, 0, 0, 1], 8969)),
        }
    }
}

impl MetricsConfig {
    /// Refuses a bind that would share a port with one of `public`
    /// (`(key, address)` of the other TCP listeners).
    pub(super) fn validate(&self, public: &[(&str, SocketAddr)]) -> Result<(), ConfigError> {
        if !self.enabled {
            return Ok(());
        }
        let clash = public
            .iter()
            .find(|(_, other)| same_listener(self.bind, *other));
        match clash {
            Some((key, other)) => Err(ConfigError(format!(
                "metrics.bind: {} is also {key} ({other}); the metrics need a port of their own",
                self.bind
            ))),
            None => Ok(()),
        }
    }
}

/// Whether two TCP binds would take the same port: same port (not 0,
/// which picks a free one), and the same address or a wildcard on
/// either side.
fn same_listener(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() != 0
        && a.port() == b.port()
        && (a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_metrics_port_shared_with_a_public_listener_is_refused_by_name() {
        let config = MetricsConfig {
            enabled: true,
            bind: addr("127.0.0.1:8080"),
        };
        let err = config
            .validate(&[("portal.bind", addr("0.0.0.0:8080"))])
            .unwrap_err()
            .0;
        assert!(
            err.starts_with("metrics.bind") && err.contains("portal.bind"),
            "{err}"
        );
        assert!(
            config
                .validate(&[("portal.bind", addr("127.0.0.2:8080"))])
                .is_ok()
        );
        assert!(
            config
                .validate(&[("portal.bind", addr("127.0.0.1:8081"))])
                .is_ok()
        );
    }

    #[test]
    fn port_zero_and_a_disabled_endpoint_never_clash() {
        let zero = MetricsConfig {
            enabled: true,
            bind: addr("127.0.0.1:0"),
        };
        assert!(
            zero.validate(&[("portal.bind", addr("127.0.0.1:0"))])
                .is_ok()
        );
        let off = MetricsConfig {
            enabled: false,
            bind: addr("127.0.0.1:8080"),
        };
        assert!(
            off.validate(&[("portal.bind", addr("127.0.0.1:8080"))])
                .is_ok()
        );
    }
}
