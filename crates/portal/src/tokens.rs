//! API tokens: `POST /api/v1/auth/token` `{"username", "password"}` ->
//! `{"token"}`, and `DELETE /api/v1/auth/token` (revokes the token the
//! request carries).
//!
//! A token is 32 random bytes as 64 hex characters, sent as
//! `Authorization: Bearer <token>`; the store keeps its SHA-256 and when
//! it was made ([`store::Store::create_api_token`]). It lives until it is
//! revoked, the member's password changes or the account is deleted; a
//! member holds at most [`store::MAX_API_TOKENS_PER_USER`]. The password
//! check is the log-in's, throttle included; the endpoint needs no CSRF
//! token (see [`crate::csrf`]).
//!
//! Refusals: `invalid_credentials` (401), `account_disabled` (403),
//! `throttled` (429, with `Retry-After`), and the body errors of
//! [`crate::extract::Json`].

use crate::PortalState;
use crate::accounts::{Refusal, check_credentials};
use crate::error::WebError;
use crate::extract::Json as Body;
use crate::i18n::Text;
use crate::session::{Visitor, new_token};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::{Router, routing::post};
use serde::Deserialize;
use std::net::SocketAddr;

pub fn router() -> Router<PortalState> {
    Router::new().route("/api/v1/auth/token", post(create).delete(revoke))
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

async fn create(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Body(credentials): Body<Credentials>,
) -> Result<Response, WebError> {
    // Used for the throttle's in-memory window only; never stored.
    let source = state.tracker.trusted_proxies().client_ip(peer, &headers);
    let typed = credentials.username.trim();
    let user = match check_credentials(&state, source, typed, credentials.password).await? {
        Ok(user) => user,
        Err(refusal) => return Ok(refusal_response(refusal)),
    };
    let (token, hash) = new_token();
    state
        .store
        .create_api_token(&hash, user.id, state.clock.now())
        .await?;
    let mut response = Json(serde_json::json!({ "token": token })).into_response();
    // The answer carries a secret: no cache may keep it.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The answer to a refused password check: a throttled one says when
/// to retry (`Retry-After`).
fn refusal_response(refusal: Refusal) -> Response {
    let mut response = refusal_error(refusal).into_response();
    if let Refusal::Throttled(wait) = refusal
        && let Ok(value) = HeaderValue::from_str(&wait.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn refusal_error(refusal: Refusal) -> WebError {
    match refusal {
        Refusal::Throttled(_) => {
            WebError::refused(StatusCode::TOO_MANY_REQUESTS, "throttled", Text::throttled)
        }
        Refusal::WrongPassword => WebError::refused(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            Text::log_in_failed,
        ),
        Refusal::Disabled => WebError::refused(
            StatusCode::FORBIDDEN,
            "account_disabled",
            Text::account_disabled,
        ),
    }
}

async fn revoke(State(state): State<PortalState>, visitor: Visitor) -> Result<Response, WebError> {
    visitor.require_user()?;
    // A session-authenticated request has no token to revoke.
    let Some(token) = &visitor.api_token else {
        return Err(WebError::NotFound);
    };
    state.store.delete_api_token(token).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
