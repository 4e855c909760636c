//! `GET /api/v1/me`: the logged-in member and their transfer figures,
//! as JSON, to that member only (an API token or the session cookie,
//! like every `/api/v1` route). Errors are `{"code": ..., "message":
//! ...}` like every portal error.
//!
//! ```json
//! {
//!   "username": "alice",
//!   "role": "member",
//!   "uploaded": 1572864,
//!   "downloaded": 1048576,
//!   "ratio": 1.5,
//!   "snatched": 2,
//!   "seeding": [{"id": 7, "title": "Debian 13 netinst"}],
//!   "leeching": [{"id": 9, "title": null}],
//!   "may_start_downloads": true,
//!   "max_leeching": null
//! }
//! ```
//!
//! - `uploaded`, `downloaded`: bytes, as the tracker's flushes stored
//!   them (they lag the tracker by at most one flush interval).
//! - `ratio`: uploaded / downloaded; `null` while nothing was
//!   downloaded.
//! - `snatched`: how many releases the member completed.
//! - `seeding`, `leeching`: the releases the member's clients are on
//!   right now (live, tracker mode `private`), each `{id, title}`,
//!   sorted by id; `title` is `null` for a release the member may no
//!   longer see. Both are `null` in the other modes, which keep no
//!   sessions per member. Nothing about peers or addresses is given.
//! - `may_start_downloads`: false while the minimum-ratio rule holds the
//!   member back (the tracker refuses new downloads; seeding and resuming
//!   work); `max_leeching`: the most releases downloading at once, `null`
//!   for no limit. Both `null` outside tracker mode `private`.

use crate::PortalState;
use crate::error::{ApiError, WebError};
use crate::session::Visitor;
use crate::transfers::{self, Named};
use axum::extract::State;
use axum::response::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn api() -> OpenApiRouter<PortalState> {
    OpenApiRouter::new().routes(routes!(me))
}

#[derive(Debug, Serialize, ToSchema)]
struct Me {
    username: String,
    #[schema(schema_with = crate::openapi::role_schema)]
    role: &'static str,
    /// Bytes credited by the tracker, as its flushes stored them.
    uploaded: u64,
    /// Bytes counted against the member, likewise.
    downloaded: u64,
    /// `uploaded / downloaded`; null while nothing was downloaded.
    ratio: Option<f64>,
    /// How many releases the member completed.
    snatched: u64,
    /// The releases the member's clients seed right now, by id; null
    /// outside tracker mode `private`.
    seeding: Option<Vec<Named>>,
    /// The releases the member's clients download right now; likewise.
    leeching: Option<Vec<Named>>,
    /// False while the minimum-ratio rule holds the member back: new
    /// downloads are refused, seeding and resuming are not. Null outside
    /// tracker mode `private`.
    may_start_downloads: Option<bool>,
    /// The most releases the member may download at once; null for no
    /// limit, and outside tracker mode `private`.
    max_leeching: Option<u32>,
}

/// The logged-in member
///
/// Name, role and transfer figures, to the member only. Nothing about
/// peers or addresses is given.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    operation_id = "me",
    tag = "account",
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "The member", body = Me),
        (status = 401, description = "`unauthorized`: no valid API token or session",
            body = ApiError),
    )
)]
async fn me(State(state): State<PortalState>, visitor: Visitor) -> Result<Json<Me>, WebError> {
    let user = visitor.require_user()?;
    let totals = state.store.transfer_totals(user.id).await?;
    let live = transfers::live(&state, user).await?;
    let (seeding, leeching) = match live {
        Some(live) => (Some(live.seeding), Some(live.leeching)),
        None => (None, None),
    };
    let rules = transfers::rules(&state, user);
    Ok(Json(Me {
        username: user.username.as_str().to_owned(),
        role: user.role.as_str(),
        uploaded: totals.uploaded,
        downloaded: totals.downloaded,
        ratio: totals.ratio(),
        snatched: totals.snatched,
        seeding,
        leeching,
        may_start_downloads: rules.map(|r| r.may_start_downloads),
        max_leeching: rules.and_then(|r| r.max_leeching),
    }))
}
