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
use crate::error::{ApiError, WebError};
use crate::extract::Json as Body;
use crate::i18n::Text;
use crate::session::{Visitor, new_token};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn api() -> OpenApiRouter<PortalState> {
    OpenApiRouter::new().routes(routes!(create, revoke))
}

#[derive(Deserialize, ToSchema)]
struct Credentials {
    username: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
struct Token {
    /// 64 hex characters, for `Authorization: Bearer`. Shown once: the
    /// server keeps only its hash.
    token: String,
}

/// Create an API token
///
/// Checks the password like the log-in form, throttle included; needs
/// no CSRF token. The token lives until it is revoked, the password
/// changes or the account is deleted; a member holds at most 20 (the
/// oldest goes first).
#[utoipa::path(
    post,
    path = "/api/v1/auth/token",
    operation_id = "create_token",
    tag = "tokens",
    security(()),
    request_body = Credentials,
    responses(
        (status = 200, description = "A new token", body = Token),
        (status = 400, description = "`invalid_json`: the body is not the JSON described",
            body = ApiError),
        (status = 401, description = "`invalid_credentials`: no such member or a wrong password",
            body = ApiError),
        (status = 403, description = "`account_disabled`", body = ApiError),
        (status = 413, description = "`too_large`: the body is over 2 MiB", body = ApiError),
        (status = 415, description = "`unsupported_media_type`: the body is not `application/json`",
            body = ApiError),
        (status = 429, description = "`throttled`: too many failed attempts for this account or \
            from this address", body = ApiError,
            headers(("Retry-After" = u64, description = "Seconds until the next attempt"))),
    )
)]
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
    let mut response = Json(Token { token }).into_response();
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

/// Revoke this API token
///
/// Revokes the token the request carries; others stay valid.
#[utoipa::path(
    delete,
    path = "/api/v1/auth/token",
    operation_id = "revoke_token",
    tag = "tokens",
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "`unauthorized`: no valid API token or session",
            body = ApiError),
        (status = 403, description = "`csrf_failed`: a session without `X-CSRF-Token`",
            body = ApiError),
        (status = 404, description = "`not_found`: authenticated by a session, which has no \
            token to revoke", body = ApiError),
    )
)]
async fn revoke(State(state): State<PortalState>, visitor: Visitor) -> Result<Response, WebError> {
    visitor.require_user()?;
    // A session-authenticated request has no token to revoke.
    let Some(token) = &visitor.api_token else {
        return Err(WebError::NotFound);
    };
    state.store.delete_api_token(token).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
