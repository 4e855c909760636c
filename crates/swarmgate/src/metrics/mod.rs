//! Prometheus metrics: `GET /metrics` on a listener of its own
//! (`[metrics] bind`), never on the portal's or the tracker's port and
//! outside the portal's 451 gate and CSRF check.
//!
//! `prometheus-client` writes the exposition (the OpenMetrics text format,
//! which Prometheus asks for and reads natively). Figures that already
//! live in atomics or running sums elsewhere are read when Prometheus
//! scrapes, by collectors, instead of being copied into metric objects on
//! the hot path, so an announce costs what it cost before:
//!
//! - [`tracker`]: the tracker's request and refusal counters
//!   (`tracker::stats`), the swarm's torrents and peers (its per-shard
//!   running totals: no peer is walked), the mode and the listed set.
//! - [`policy`]: the access policy's decisions, made monotonic across the
//!   flusher's drains by [`PolicyTotals`].
//! - [`accounting`]: mode `private`'s ledger (sessions, backlog, clamped
//!   and refused announces) and the flusher's durations and outcomes,
//!   which [`FlushMetrics`] records as they happen.
//! - [`portal`]: request latency per route template, method and status
//!   class, recorded by a layer around the portal's router.
//! - [`process`]: build, start time, resident memory, the database pool.
//!
//! No label ever holds an address, passkey, account name, info-hash or
//! raw path: routes are the router's templates, countries are ISO codes
//! (or `unknown`), rules are the operator's rule names.

pub mod accounting;
pub mod policy;
pub mod portal;
pub mod process;
pub mod tracker;

pub use accounting::FlushMetrics;
pub use policy::PolicyTotals;
pub use portal::PortalMetrics;

use ::tracker::Tracker;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::{Registry, Unit};
use std::sync::Arc;
use std::time::SystemTime;
use store::Store;

/// The content type of the OpenMetrics text format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// What the metrics and `swarmgate status` read: live handles, nothing
/// copied.
#[derive(Debug)]
pub struct Sources {
    pub tracker: Arc<Tracker>,
    pub store: Store,
    pub policy: Arc<PolicyTotals>,
    /// Mode `private` only.
    pub flushes: Option<Arc<FlushMetrics>>,
    pub started: SystemTime,
}

/// The registry behind `/metrics` and the recorders that feed it.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    sources: Arc<Sources>,
    portal: PortalMetrics,
}

impl Metrics {
    pub fn new(sources: Sources) -> Arc<Self> {
        let sources = Arc::new(sources);
        let mut registry = Registry::default();
        let portal = PortalMetrics::default();
        registry.register_with_unit(
            "swarmgate_portal_request_duration",
            "Time the portal took to answer, per route template, method and status class",
            Unit::Seconds,
            portal.family(),
        );
        if let Some(flushes) = &sources.flushes {
            flushes.register(&mut registry);
        }
        registry.register_collector(Box::new(tracker::Collector(Arc::clone(&sources))));
        registry.register_collector(Box::new(policy::Collector(Arc::clone(&sources.policy))));
        if sources.tracker.accounting().is_some() {
            registry.register_collector(Box::new(accounting::Collector(Arc::clone(&sources))));
        }
        registry.register_collector(Box::new(process::Collector(Arc::clone(&sources))));
        Arc::new(Self {
            registry,
            sources,
            portal,
        })
    }

    pub fn sources(&self) -> &Arc<Sources> {
        &self.sources
    }

    /// The recorder the portal's router is wrapped in.
    pub fn portal(&self) -> &PortalMetrics {
        &self.portal
    }

    /// The exposition, as `/metrics` serves it.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(16 * 1024);
        // Writing into a String cannot fail; a collector's fmt error would
        // be a bug, and the partial text still parses up to it.
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "encoding the metrics failed");
        }
        out
    }
}

/// `GET /metrics`; anything else is 404.
pub fn router(metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(metrics)
}

async fn scrape(State(metrics): State<Arc<Metrics>>) -> Response {
    // The swarm totals and the ledger's counts lock every shard in turn:
    // off the async threads.
    match tokio::task::spawn_blocking(move || metrics.render()).await {
        Ok(body) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering the metrics failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Writes a counter family whose samples are read now.
fn counters<L: EncodeLabelSet>(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (L, u64)>,
) -> std::fmt::Result {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (labels, value) in samples {
        ConstCounter::new(value).encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

/// Writes a gauge family whose samples are read now.
fn gauges<L: EncodeLabelSet>(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (L, i64)>,
) -> std::fmt::Result {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, value) in samples {
        ConstGauge::new(value).encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

/// Writes a counter without labels.
fn counter(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: u64,
) -> std::fmt::Result {
    let family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    ConstCounter::new(value).encode(family)
}

/// Writes a gauge without labels.
fn gauge(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: i64,
) -> std::fmt::Result {
    let family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    ConstGauge::new(value).encode(family)
}

/// A count as a gauge value.
fn count(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}
