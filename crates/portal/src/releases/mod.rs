//! Releases: upload, the catalog's pages, downloads with the member's
//! passkey, comments, moderation and the JSON API.
//!
//! - `settings`: [`ReleaseSettings`] (announce URLs, anonymous magnets,
//!   the .torrent size limit, the private-flag rule).
//! - `upload`: the multipart upload both the form and the API use:
//!   limits, validation with `metainfo`, the transaction.
//! - `view`: what a release looks like to a visitor (visibility rules,
//!   live swarm counts, personal tracker URLs), shared by pages and API.
//! - `listing`: the tracker's catalog (mode `listed`) kept in step with
//!   approvals, status changes, deletions and the freeleech flag.
//! - `freeleech`: staff mark a release freeleech (its downloads do not
//!   count against ratios in tracker mode `private`), by form and API.
//! - `categories`: the category tree, its JSON and its admin API.
//! - `markdown`: descriptions rendered to sanitized HTML.
//! - `browse`: the listing's parameters (search words, category, size,
//!   date, status, order, page) shared by the list page and the API.
//! - `pages`: `/releases`, `/releases/{id}`, `/upload`, `/moderation`,
//!   comments; `edit`: `/releases/{id}/edit` and who may edit;
//!   `api`: `/api/v1/releases...`.
//!
//! Visibility: approved releases are public; any other status is seen
//! only by its uploader and by moderators and admins, and is a 404 to
//! everyone else (not 403: its existence is not disclosed).

mod api;
mod browse;
mod categories;
mod edit;
mod freeleech;
mod listing;
pub mod markdown;
mod pages;
mod settings;
mod upload;
mod view;

pub(crate) use browse::{ListQuery, listing};
pub(crate) use categories::CategoryTree;
pub(crate) use edit::may_edit;
pub(crate) use pages::{Row, rows};
pub use settings::{PrivateFlag, ReleaseSettings};
pub(crate) use view::{
    category_name, counts, hashes, human_size, magnet_with, may_see, parse_id,
    personal_torrent_response, visible_release,
};

use crate::PortalState;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;

pub fn router(state: &PortalState) -> Router<PortalState> {
    pages::router(state)
        .merge(edit::router())
        .merge(freeleech::router())
}

/// The releases' and categories' JSON API (see [`crate::openapi`]).
pub(crate) fn api(state: &PortalState) -> OpenApiRouter<PortalState> {
    api::api(state)
        .merge(edit::api())
        .merge(categories::api())
        .merge(freeleech::api())
}
