//! Freeleech per release: downloads of a freeleech release do not count
//! against ratios (tracker mode `private`; the flag is stored in every
//! mode and applies once the tracker counts). Moderators and admins set
//! it:
//!
//! - `POST /releases/{id}/freeleech` (form, CSRF token, field
//!   `freeleech` = `1` or `0`), back to the release page;
//! - `POST /api/v1/releases/{id}/freeleech` `{"freeleech": true}` ->
//!   `{"id": ..., "freeleech": ...}`.
//!
//! The store is written first; then, if the release is approved, its
//! hashes are listed again with the new flag, so the tracker's catalog
//! credits the next announce accordingly (`listing`). A release that is
//! not approved is not in the catalog, and its next approval lists it
//! with the stored flag.

use super::listing::{list, tracked};
use super::view::{hashes, is_staff, parse_id};
use crate::PortalState;
use crate::error::{ApiError, WebError};
use crate::extract::{Form, Json as Body};
use crate::session::Visitor;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::{Router, routing::post};
use serde::{Deserialize, Serialize};
use store::ReleaseStatus;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> Router<PortalState> {
    Router::new().route("/releases/{id}/freeleech", post(by_form))
}

pub fn api() -> OpenApiRouter<PortalState> {
    OpenApiRouter::new().routes(routes!(by_api))
}

/// Sets release `id`'s freeleech flag and updates the tracker; staff
/// only. Returns the release id.
async fn set(
    state: &PortalState,
    visitor: &Visitor,
    id: &str,
    freeleech: bool,
) -> Result<i64, WebError> {
    let user = visitor.require_user()?;
    if !is_staff(Some(user)) {
        return Err(WebError::Forbidden);
    }
    let id = parse_id(id)?;
    if !state.store.set_freeleech(id, freeleech).await? {
        return Err(WebError::NotFound);
    }
    // Read back: a status change or a second toggle meanwhile may have
    // won; the stored row decides what the tracker serves.
    if let Some(release) = state.store.release(id).await?
        && release.status == ReleaseStatus::Approved
    {
        list(
            state,
            tracked(release.id, release.freeleech),
            &hashes(&release)?,
        );
    }
    Ok(id)
}

#[derive(Deserialize)]
struct FreeleechForm {
    #[serde(default)]
    freeleech: String,
}

async fn by_form(
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<FreeleechForm>,
) -> Result<Response, WebError> {
    let freeleech = match form.freeleech.as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(WebError::Invalid),
    };
    let id = set(&state, &visitor, &id, freeleech).await?;
    Ok(Redirect::to(&format!("/releases/{id}")).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
struct FreeleechInput {
    freeleech: bool,
}

/// A release's freeleech flag, as set.
#[derive(Debug, Serialize, ToSchema)]
struct FreeleechJson {
    id: i64,
    freeleech: bool,
}

/// Mark a release freeleech, or not
///
/// Staff only. Downloads of a freeleech release do not count against
/// ratios (tracker mode `private`); the tracker applies the flag from
/// the next announce.
#[utoipa::path(
    post,
    path = "/api/v1/releases/{id}/freeleech",
    operation_id = "set_release_freeleech",
    tag = "releases",
    security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The release's id", minimum = 1)),
    request_body = FreeleechInput,
    responses(
        (status = 200, description = "Set", body = FreeleechJson),
        (status = 400, description = "`invalid_json`: the body is not the JSON described",
            body = ApiError),
        (status = 401, description = "`unauthorized`: no valid API token or session",
            body = ApiError),
        (status = 403, description = "`forbidden` (not staff), `csrf_failed` (a session \
            without `X-CSRF-Token`)", body = ApiError),
        (status = 404, description = "`not_found`: no such release", body = ApiError),
        (status = 413, description = "`too_large`: the body is over 2 MiB", body = ApiError),
        (status = 415, description = "`unsupported_media_type`: the body is not `application/json`",
            body = ApiError),
    )
)]
async fn by_api(
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Body(input): Body<FreeleechInput>,
) -> Result<Response, WebError> {
    let id = set(&state, &visitor, &id, input.freeleech).await?;
    Ok(Json(FreeleechJson {
        id,
        freeleech: input.freeleech,
    })
    .into_response())
}
