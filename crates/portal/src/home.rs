//! `/`, the front page: the newest approved releases, the category tree
//! and what the tracker serves right now, in the site's layout (menu,
//! search box, language switch); and `/api/v1/stats` (swarm totals as
//! JSON).
//!
//! Two indexed queries (one page of the newest releases, the categories)
//! and in-memory counts: no JavaScript, and nothing that grows with the
//! catalog.

use crate::PortalState;
use crate::error::WebError;
use crate::pages::{Page, render};
use crate::releases::{CategoryTree, Row, category_name, rows};
use crate::session::Visitor;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Json, Response};
use axum::{Router, routing::get};
use serde::Serialize;
use store::{ReleaseQuery, ReleaseStatus};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> Router<PortalState> {
    Router::new().route("/", get(home))
}

pub fn api() -> OpenApiRouter<PortalState> {
    OpenApiRouter::new().routes(routes!(stats))
}

/// Releases on the front page.
const NEWEST: u32 = 20;

/// What this node's tracker serves right now.
#[derive(Debug, Serialize, ToSchema)]
struct Stats {
    /// Torrents the tracker holds in memory.
    torrents: usize,
    seeders: usize,
    leechers: usize,
}

/// Swarm totals
///
/// Live counts from this node's tracker.
#[utoipa::path(
    get,
    path = "/api/v1/stats",
    operation_id = "stats",
    tag = "site",
    security((), ("bearer" = []), ("session" = [])),
    responses((status = 200, description = "The totals", body = Stats))
)]
async fn stats(State(state): State<PortalState>) -> Json<Stats> {
    let totals = state.tracker.swarm().totals();
    Json(Stats {
        torrents: totals.torrents,
        seeders: totals.seeders,
        leechers: totals.leechers,
    })
}

/// A category with its sub-categories, as links.
struct CategoryLink {
    slug: String,
    name: String,
    children: Vec<CategoryLink>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    rows: Vec<Row>,
    categories: Vec<CategoryLink>,
    torrents: usize,
    seeders: usize,
    leechers: usize,
}

fn links(tree: &CategoryTree, visitor: &Visitor, parent: Option<i64>) -> Vec<CategoryLink> {
    tree.children(parent)
        .map(|c| CategoryLink {
            slug: c.slug.clone(),
            name: category_name(c, visitor.lang).to_owned(),
            // Two levels: the default tree's depth, and enough to scan.
            children: match parent {
                None => links(tree, visitor, Some(c.id)),
                Some(_) => Vec::new(),
            },
        })
        .collect()
}

async fn home(State(state): State<PortalState>, visitor: Visitor) -> Result<Response, WebError> {
    let tree = CategoryTree::load(&state).await?;
    let newest = state
        .store
        .list_releases(&ReleaseQuery {
            status: Some(ReleaseStatus::Approved),
            per_page: NEWEST,
            ..ReleaseQuery::default()
        })
        .await?;
    let totals = state.tracker.swarm().totals();
    let html = render(&HomePage {
        page: visitor.page(),
        rows: rows(&state, &visitor, &tree, &newest)?,
        categories: links(&tree, &visitor, None),
        torrents: totals.torrents,
        seeders: totals.seeders,
        leechers: totals.leechers,
    });
    Ok(Html(html).into_response())
}
