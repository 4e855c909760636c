//! The web portal's listener. Today it serves the health check; the portal
//! proper (catalog, accounts) will be merged into this router.

use axum::Router;
use axum::routing::get;

pub fn router() -> Router {
    Router::new().route("/healthz", get(healthz))
}

/// Liveness for load balancers and orchestrators: the process is up and
/// serving HTTP.
async fn healthz() -> &'static str {
    "ok\n"
}
