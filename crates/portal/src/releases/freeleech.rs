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
use crate::error::WebError;
use crate::extract::{Form, Json as Body};
use crate::session::Visitor;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::{Router, routing::post};
use serde::Deserialize;
use store::ReleaseStatus;

pub fn router() -> Router<PortalState> {
    Router::new()
        .route("/releases/{id}/freeleech", post(by_form))
        .route("/api/v1/releases/{id}/freeleech", post(by_api))
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

#[derive(Debug, Deserialize)]
struct FreeleechInput {
    freeleech: bool,
}

async fn by_api(
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Body(input): Body<FreeleechInput>,
) -> Result<Response, WebError> {
    let id = set(&state, &visitor, &id, input.freeleech).await?;
    Ok(Json(serde_json::json!({ "id": id, "freeleech": input.freeleech })).into_response())
}
