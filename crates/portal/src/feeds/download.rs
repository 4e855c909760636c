//! `GET /feeds/torrent/{id}?passkey=<passkey>`: a member's personal
//! .torrent without a cookie, for the enclosures of keyed feeds and
//! Torznab results, which torrent clients and the *arr stack fetch on
//! their own. The passkey authenticates as a session would (a disabled
//! account's is refused); visibility is the release page's, and the file
//! is the one `/releases/{id}/download` gives the same member.

use super::{KeyRefusal, member_by_passkey};
use crate::PortalState;
use crate::error::WebError;
use crate::i18n::Text;
use crate::legal_block::DownloadAllowed;
use crate::releases::{parse_id, personal_torrent_response, visible_release};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Router, routing::get};
use serde::Deserialize;

pub fn router() -> Router<PortalState> {
    Router::new().route("/feeds/torrent/{id}", get(download))
}

#[derive(Deserialize)]
struct KeyQuery {
    passkey: Option<String>,
}

/// The refusal for a missing, unknown or disabled feed key.
pub(crate) fn key_refused() -> WebError {
    WebError::refused(
        StatusCode::FORBIDDEN,
        "invalid_feed_key",
        Text::error_feed_key,
    )
}

async fn download(
    _: DownloadAllowed,
    State(state): State<PortalState>,
    Path(id): Path<String>,
    query: Result<Query<KeyQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let key = query
        .ok()
        .and_then(|Query(q)| q.passkey)
        .ok_or_else(key_refused)?;
    let user = match member_by_passkey(&state, &key).await? {
        Ok(user) => user,
        Err(KeyRefusal::Unknown | KeyRefusal::Disabled) => return Err(key_refused()),
    };
    let release = visible_release(&state, Some(&user), parse_id(&id)?).await?;
    personal_torrent_response(&state, &user, &release).await
}
