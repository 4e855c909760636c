//! A member's own data: the export of everything stored about them and
//! the deletion of their account (DESIGN.md, privacy invariant 4).
//!
//! - `GET /profile/export` (linked from the profile) and
//!   `GET /api/v1/me/export` (for API tokens): a JSON download of
//!   [`store::MemberData`], which names every table holding the member's
//!   rows, with a note of what is kept only as a hash and that no address
//!   is stored at all.
//! - `GET /profile/delete` (the confirmation form), `POST /profile/delete`
//!   (`password`) and `DELETE /api/v1/me` (`{"password"}`): the password
//!   is checked under the log-in throttle, then
//!   [`store::Store::delete_account`] removes the account, its sessions,
//!   API tokens, invitations and transfer statistics in one transaction;
//!   its releases and comments stay, shown as by a deleted account. The
//!   passkey leaves the tracker's member directory at once. The last
//!   enabled admin cannot delete their account (409 `last_admin`).

use crate::accounts::{Refusal, check_credentials};
use crate::error::{ApiError, WebError};
use crate::extract::{Form, Json as Body};
use crate::i18n::Text;
use crate::pages::{AccountDeletedPage, DeleteAccountPage, Page, render};
use crate::session::Visitor;
use crate::{PortalState, cookies};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Router, routing::get};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use store::{AccountDeletion, MemberData, User};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> Router<PortalState> {
    Router::new()
        .route("/profile/export", get(export))
        .route("/profile/delete", get(delete_form).post(delete_by_form))
}

pub fn api() -> OpenApiRouter<PortalState> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(delete_by_api))
}

/// Names the export's layout, for programs that read it.
const FORMAT: &str = "swarmgate-member-export/1";

#[derive(Serialize, ToSchema)]
struct Export<'a> {
    /// `swarmgate-member-export/1`.
    format: &'static str,
    /// The site's name.
    site: &'a str,
    /// Unix seconds, like every time in the export.
    exported_at: i64,
    /// What is not in the export, and why, in the member's language.
    notes: [&'static str; 2],
    member: MemberData,
}

/// Export everything stored about the member
///
/// A JSON download (`Content-Disposition: attachment`) of every row that
/// refers to the member, with a note of what is kept only as a hash.
/// No address is stored, so none is exported. It holds the passkey.
#[utoipa::path(
    get,
    path = "/api/v1/me/export",
    operation_id = "export_member_data",
    tag = "account",
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "The export", body = Export<'_>,
            headers(("Content-Disposition" = String,
                description = "`attachment; filename=\"<name>-data-<date>.json\"`"))),
        (status = 401, description = "`unauthorized`: no valid API token or session",
            body = ApiError),
    )
)]
async fn export(State(state): State<PortalState>, visitor: Visitor) -> Result<Response, WebError> {
    let user = visitor.require_user()?;
    let member = state
        .store
        .member_data(user.id)
        .await?
        .ok_or(WebError::Unauthorized)?;
    let t = visitor.lang.text();
    let now = state.clock.now();
    let export = Export {
        format: FORMAT,
        site: &state.brand().site_name,
        exported_at: now,
        notes: [t.export_note_hashes(), t.export_note_addresses()],
        member,
    };
    let body = serde_json::to_vec_pretty(&export)
        .map_err(|e| WebError::Internal(format!("export: {e}")))?;
    let name = format!(
        "{}-data-{}.json",
        user.username.as_str(),
        crate::pages::date(now)
    );
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    // Usernames are ASCII letters, digits, '_', '-' and '.'.
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // It holds the passkey: no shared cache may keep it.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

async fn delete_form(visitor: Visitor) -> Result<Response, WebError> {
    visitor.require_user()?;
    Ok(confirm_page(&visitor, None))
}

fn confirm_page(visitor: &Visitor, error: Option<(StatusCode, &'static str)>) -> Response {
    let html = render(&DeleteAccountPage {
        page: visitor.page(),
        error: error.map(|(_, message)| message),
    });
    let status = error.map_or(StatusCode::OK, |(status, _)| status);
    (status, Html(html)).into_response()
}

#[derive(Deserialize, ToSchema)]
struct PasswordInput {
    /// The account's password, to confirm.
    #[serde(default)]
    password: String,
}

/// Why an account was not deleted.
enum Kept {
    Password(Refusal),
    LastAdmin,
}

impl Kept {
    fn status_code_message(&self) -> (StatusCode, &'static str, fn(&Text) -> &'static str) {
        match self {
            Kept::Password(Refusal::Throttled(_)) => {
                (StatusCode::TOO_MANY_REQUESTS, "throttled", Text::throttled)
            }
            Kept::Password(Refusal::WrongPassword) => (
                StatusCode::FORBIDDEN,
                "wrong_password",
                Text::wrong_password,
            ),
            Kept::Password(Refusal::Disabled) => (
                StatusCode::FORBIDDEN,
                "account_disabled",
                Text::account_disabled,
            ),
            Kept::LastAdmin => (StatusCode::CONFLICT, "last_admin", Text::error_last_admin),
        }
    }

    fn retry_after(&self) -> Option<i64> {
        match self {
            Kept::Password(Refusal::Throttled(wait)) => Some(*wait),
            _ => None,
        }
    }
}

/// Checks `password` for `user` and deletes the account.
async fn delete_account(
    state: &PortalState,
    peer: SocketAddr,
    headers: &HeaderMap,
    user: &User,
    password: String,
) -> Result<Result<(), Kept>, WebError> {
    // Used for the throttle's in-memory window only; never stored.
    let source = state.tracker.trusted_proxies().client_ip(peer, headers);
    match check_credentials(state, source, user.username.as_str(), password).await? {
        Ok(checked) if checked.id == user.id => {}
        Ok(_) => return Ok(Err(Kept::Password(Refusal::WrongPassword))),
        Err(refusal) => return Ok(Err(Kept::Password(refusal))),
    }
    match state.store.delete_account(user.id).await? {
        AccountDeletion::Deleted => {
            crate::tracker_members::account_deleted(state, user.id, user.passkey.expose());
            Ok(Ok(()))
        }
        // Deleted meanwhile by another request.
        AccountDeletion::NoSuchAccount => Err(WebError::Unauthorized),
        AccountDeletion::LastAdmin => Ok(Err(Kept::LastAdmin)),
    }
}

/// Adds the header that ends the session cookie.
fn end_session(
    state: &PortalState,
    peer: SocketAddr,
    headers: &HeaderMap,
    response: &mut Response,
) {
    response.headers_mut().append(
        header::SET_COOKIE,
        cookies::delete(cookies::SESSION, state.is_tls(peer, headers)),
    );
}

async fn delete_by_form(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    visitor: Visitor,
    Form(input): Form<PasswordInput>,
) -> Result<Response, WebError> {
    let user = visitor.require_user()?;
    if let Err(kept) = delete_account(&state, peer, &headers, user, input.password).await? {
        let (status, _, message) = kept.status_code_message();
        let mut response = confirm_page(&visitor, Some((status, message(&visitor.lang.text()))));
        add_retry_after(&mut response, kept.retry_after());
        return Ok(response);
    }
    let page = Page::anonymous(visitor.lang, state.brand());
    let mut response = Html(render(&AccountDeletedPage { page })).into_response();
    end_session(&state, peer, &headers, &mut response);
    Ok(response)
}

/// Delete the member's account
///
/// Checks the password under the log-in throttle, then removes the
/// account, its sessions, API tokens, invitations and transfer figures
/// in one transaction; releases and comments stay, shown as by a
/// deleted account. The passkey stops working at once.
#[utoipa::path(
    delete,
    path = "/api/v1/me",
    operation_id = "delete_account",
    tag = "account",
    security(("bearer" = []), ("session" = [])),
    request_body = PasswordInput,
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`invalid_json`: the body is not the JSON described",
            body = ApiError),
        (status = 401, description = "`unauthorized`: no valid API token or session",
            body = ApiError),
        (status = 403, description = "`wrong_password`, `account_disabled`, or `csrf_failed` \
            (a session without `X-CSRF-Token`)", body = ApiError),
        (status = 409, description = "`last_admin`: the last enabled admin stays",
            body = ApiError),
        (status = 413, description = "`too_large`: the body is over 2 MiB", body = ApiError),
        (status = 415, description = "`unsupported_media_type`: the body is not `application/json`",
            body = ApiError),
        (status = 429, description = "`throttled`: too many failed password checks",
            body = ApiError,
            headers(("Retry-After" = u64, description = "Seconds until the next attempt"))),
    )
)]
async fn delete_by_api(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    visitor: Visitor,
    Body(input): Body<PasswordInput>,
) -> Result<Response, WebError> {
    let user = visitor.require_user()?;
    if let Err(kept) = delete_account(&state, peer, &headers, user, input.password).await? {
        let (status, code, message) = kept.status_code_message();
        let mut response = WebError::refused(status, code, message).into_response();
        add_retry_after(&mut response, kept.retry_after());
        return Ok(response);
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    if visitor.session.is_some() {
        end_session(&state, peer, &headers, &mut response);
    }
    Ok(response)
}

fn add_retry_after(response: &mut Response, wait: Option<i64>) {
    if let Some(value) = wait.and_then(|w| HeaderValue::from_str(&w.to_string()).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
}
