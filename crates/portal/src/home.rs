//! `/` (what this site is and how to announce to it) and
//! `/api/v1/stats` (swarm totals as JSON).

use super::{PortalState, escape_html};
use axum::extract::State;
use axum::response::{Html, Json};
use axum::{Router, routing::get};
use serde::Serialize;

pub fn router() -> Router<PortalState> {
    Router::new()
        .route("/", get(home))
        .route("/api/v1/stats", get(stats))
}

#[derive(Debug, Serialize)]
struct Stats {
    torrents: usize,
    seeders: usize,
    leechers: usize,
}

async fn stats(State(state): State<PortalState>) -> Json<Stats> {
    let totals = state.tracker.swarm().totals();
    Json(Stats {
        torrents: totals.torrents,
        seeders: totals.seeders,
        leechers: totals.leechers,
    })
}

async fn home(State(state): State<PortalState>) -> Html<String> {
    let totals = state.tracker.swarm().totals();
    let site = escape_html(&state.site_name);
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{site}</title></head><body><main>\
         <h1>{site}</h1>\
         <p>A BitTorrent tracker: announce over UDP or HTTP to <code>/announce</code> \
         on the tracker port.</p>\
         <p>Tracking {torrents} torrents with {seeders} seeders and {leechers} leechers.</p>\
         </main></body></html>\n",
        torrents = totals.torrents,
        seeders = totals.seeders,
        leechers = totals.leechers,
    ))
}
