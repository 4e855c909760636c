//! Portal request latency per route template, method and status class.
//!
//! A layer around the whole portal router, outside the 451 gate, so
//! refused requests are timed too. The route label is axum's
//! [`MatchedPath`], the template the request matched, never the path
//! itself, which holds release ids, passkeys and search words. Requests
//! that match no route share the label `unmatched`. Placeholders are
//! written `:name` rather than `{name}` (`/releases/:id`): braces inside
//! a label value trip up the line-based parsers many exporters' users
//! run, and the meaning is the same.

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use std::time::Instant;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    route: String,
    method: &'static str,
    status: &'static str,
}

type Latencies = Family<RequestLabels, Histogram, fn() -> Histogram>;

/// The portal's latency histograms; clones share them.
#[derive(Clone, Debug)]
pub struct PortalMetrics {
    latencies: Latencies,
}

impl Default for PortalMetrics {
    fn default() -> Self {
        Self {
            latencies: Family::new_with_constructor(|| Histogram::new(BUCKETS)),
        }
    }
}

impl PortalMetrics {
    pub(super) fn family(&self) -> Latencies {
        self.latencies.clone()
    }

    /// `router` with every request timed.
    pub fn wrap(&self, router: Router) -> Router {
        router.layer(from_fn_with_state(self.clone(), time_request))
    }
}

async fn time_request(
    State(metrics): State<PortalMetrics>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| route_label(m.as_str()));
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = RequestLabels {
        route,
        method,
        status: status_class(response.status().as_u16()),
    };
    metrics
        .latencies
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    response
}

/// `/releases/{id}` -> `/releases/:id`, `/static/{*path}` -> `/static/*path`.
fn route_label(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        match c {
            '{' => {
                let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                if !name.starts_with('*') {
                    out.push(':');
                }
                out.push_str(&name);
            }
            c => out.push(c),
        }
    }
    out
}

/// The standard methods by name, anything else as `other`, so a client
/// cannot add label values.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_templates_become_labels_without_braces() {
        assert_eq!(route_label("/releases/{id}"), "/releases/:id");
        assert_eq!(
            route_label("/releases/{id}/comments/{comment}"),
            "/releases/:id/comments/:comment"
        );
        assert_eq!(route_label("/static/{*path}"), "/static/*path");
        assert_eq!(route_label("/"), "/");
    }

    #[test]
    fn unusual_methods_and_statuses_fall_into_fixed_labels() {
        assert_eq!(
            method_label(&Method::from_bytes(b"PROPFIND").unwrap()),
            "other"
        );
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(status_class(451), "4xx");
        assert_eq!(status_class(999), "5xx");
        assert_eq!(status_class(204), "2xx");
    }
}
