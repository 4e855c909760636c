//! The web portal: a home page, a JSON API, and the health
//! check, with the access policy in front of everything but the health
//! check.
//!
//! Layout: one module per feature, each exporting `router()`; `router`
//! here merges them and wraps them in the policy gate ([`legal_block`]).

mod home;
pub mod language;
pub mod legal_block;

use axum::Router;
use axum::routing::get;
use std::sync::Arc;
use tracker::Tracker;

/// What every portal handler can reach.
#[derive(Clone, Debug)]
pub struct PortalState {
    pub tracker: Arc<Tracker>,
    /// Shown in page titles and in the 451 page ("who blocks").
    pub site_name: Arc<str>,
}

pub fn router(state: PortalState) -> Router {
    let gated =
        home::router()
            .with_state(state.clone())
            .layer(axum::middleware::from_fn_with_state(
                state,
                legal_block::gate,
            ));
    // The health check answers the operator's own monitoring and says
    // nothing about the catalog, so no policy applies to it.
    Router::new().route("/healthz", get(healthz)).merge(gated)
}

/// Liveness for load balancers and orchestrators: the process is up and
/// serving HTTP.
async fn healthz() -> &'static str {
    "ok\n"
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
