//! Sign-up, log-in and log-out: `GET/POST /register`, `GET/POST /login`,
//! `POST /logout`; and the password check the API's token endpoint and
//! account deletion share with the log-in ([`check_credentials`]).
//!
//! Registration follows `accounts.registration`: open, by invitation, or
//! closed. A successful sign-up or log-in always issues a fresh session
//! token (no session fixation). Failed log-ins are throttled per account
//! and per source address, in memory ([`crate::throttle`]); the answer
//! never says whether the account exists, and an unknown account costs
//! the same password verification as a known one. Nothing here stores or
//! logs the client's address.

use crate::error::WebError;
use crate::extract::Form;
use crate::pages::{LoginPage, RegisterPage, render};
use crate::session::{Visitor, hash_secret, new_token};
use crate::{PortalState, Registration, cookies, passwords};
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Router, routing::get, routing::post};
use rand::RngCore as _;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use store::{NewUser, Passkey, RedeemError, Role, StoreError, User, Username};

pub fn router() -> Router<PortalState> {
    Router::new()
        .route("/register", get(register_form).post(register))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
}

/// A fresh random passkey.
pub fn new_passkey() -> Passkey {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    Passkey::from_bytes(bytes)
}

#[derive(Deserialize)]
struct InviteQuery {
    invite: Option<String>,
}

async fn register_form(
    State(state): State<PortalState>,
    visitor: Visitor,
    query: Result<Query<InviteQuery>, QueryRejection>,
) -> Response {
    let invite = query.ok().and_then(|Query(q)| q.invite).unwrap_or_default();
    register_page(&state, &visitor, String::new(), invite, None)
}

fn register_page(
    state: &PortalState,
    visitor: &Visitor,
    username: String,
    invite: String,
    error: Option<(StatusCode, &'static str)>,
) -> Response {
    let mode = state.accounts.registration;
    let status = match (mode, error) {
        (Registration::Closed, _) => StatusCode::FORBIDDEN,
        (_, Some((status, _))) => status,
        _ => StatusCode::OK,
    };
    let html = render(&RegisterPage {
        page: visitor.page(),
        closed: mode == Registration::Closed,
        needs_invite: mode == Registration::Invite,
        username,
        invite,
        error: error.map(|(_, message)| message),
    });
    (status, Html(html)).into_response()
}

#[derive(Deserialize)]
struct RegisterForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
    #[serde(default)]
    invite: String,
}

async fn register(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    visitor: Visitor,
    Form(form): Form<RegisterForm>,
) -> Result<Response, WebError> {
    let t = visitor.lang.text();
    let mode = state.accounts.registration;
    let invite = form.invite.trim().to_owned();
    let fail = |status, message| {
        Ok(register_page(
            &state,
            &visitor,
            form.username.clone(),
            invite.clone(),
            Some((status, message)),
        ))
    };
    if mode == Registration::Closed {
        return fail(StatusCode::FORBIDDEN, t.registration_closed());
    }
    let Ok(username) = Username::parse(form.username.trim()) else {
        return fail(StatusCode::UNPROCESSABLE_ENTITY, t.username_invalid());
    };
    if !passwords::acceptable(&form.password) {
        return fail(StatusCode::UNPROCESSABLE_ENTITY, t.password_invalid());
    }
    if form.password != form.password2 {
        return fail(StatusCode::UNPROCESSABLE_ENTITY, t.passwords_differ());
    }
    if mode == Registration::Invite && invite.is_empty() {
        return fail(StatusCode::UNPROCESSABLE_ENTITY, t.invite_invalid());
    }
    let password_hash = passwords::hash_blocking(form.password.clone()).await;
    let now = state.clock.now();
    let passkey = new_passkey();
    let new_user = NewUser {
        username: &username,
        password_hash: &password_hash,
        role: Role::Member,
        passkey: &passkey,
        created_at: now,
    };
    let created = match mode {
        Registration::Open => state.store.create_user(&new_user).await.map_err(Into::into),
        _ => {
            state
                .store
                .create_user_with_invite(&hash_secret(&invite), now, &new_user)
                .await
        }
    };
    match created {
        Ok(id) => crate::tracker_members::account_opened(&state, id, passkey.expose()),
        Err(RedeemError::InvalidInvite) => {
            return fail(StatusCode::UNPROCESSABLE_ENTITY, t.invite_invalid());
        }
        Err(RedeemError::Store(StoreError::Conflict(_))) => {
            return fail(StatusCode::CONFLICT, t.username_taken());
        }
        Err(RedeemError::Store(e)) => return Err(e.into()),
    }
    let Some(user) = state.store.user_by_name(&username).await? else {
        return Err(WebError::Internal("a new account vanished".into()));
    };
    start_session(&state, &user, state.is_tls(peer, &headers)).await
}

/// Creates a session for `user` and redirects to their profile with the
/// cookie set.
async fn start_session(
    state: &PortalState,
    user: &User,
    secure: bool,
) -> Result<Response, WebError> {
    let now = state.clock.now();
    let lifetime = state.accounts.session_lifetime_secs;
    // Expired rows are swept here rather than by a timer: log-ins are
    // when sessions are made, so the table cannot outgrow them.
    state.store.delete_expired_sessions(now).await?;
    let (token, hash) = new_token();
    state
        .store
        .create_session(&hash, user.id, now, now + lifetime)
        .await?;
    let mut response = Redirect::to("/profile").into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        cookies::set(cookies::SESSION, &token, Some(lifetime), secure),
    );
    // The anonymous CSRF cookie has done its job.
    headers.append(header::SET_COOKIE, cookies::delete(cookies::CSRF, secure));
    Ok(response)
}

async fn login_form(visitor: Visitor) -> Response {
    login_page(&visitor, String::new(), None)
}

fn login_page(
    visitor: &Visitor,
    username: String,
    error: Option<(StatusCode, &'static str)>,
) -> Response {
    let status = error.map_or(StatusCode::OK, |(status, _)| status);
    let html = render(&LoginPage {
        page: visitor.page(),
        username,
        error: error.map(|(_, message)| message),
    });
    (status, Html(html)).into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

async fn login(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    visitor: Visitor,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let t = visitor.lang.text();
    let typed = form.username.trim().to_owned();
    // Used for the throttle's in-memory window only; never stored.
    let source = state.tracker.trusted_proxies().client_ip(peer, &headers);
    let refused = |status, message| login_page(&visitor, typed.clone(), Some((status, message)));
    let user = match check_credentials(&state, source, &typed, form.password).await? {
        Ok(user) => user,
        Err(Refusal::Throttled(wait)) => {
            let mut response = refused(StatusCode::TOO_MANY_REQUESTS, t.throttled());
            if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return Ok(response);
        }
        Err(Refusal::WrongPassword) => {
            return Ok(refused(StatusCode::UNAUTHORIZED, t.log_in_failed()));
        }
        Err(Refusal::Disabled) => return Ok(refused(StatusCode::FORBIDDEN, t.account_disabled())),
    };
    start_session(&state, &user, state.is_tls(peer, &headers)).await
}

/// Why a username and password were not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Too many recent failures; retry after this many seconds.
    Throttled(i64),
    /// No such account, or the wrong password: the two are not told
    /// apart.
    WrongPassword,
    Disabled,
}

/// Checks a username as typed and a password, under the log-in throttle
/// (per account and per `source`, in memory only). An unknown account
/// costs the same password verification as a known one. Used by the
/// log-in form, the API's token endpoint and account deletion.
pub(crate) async fn check_credentials(
    state: &PortalState,
    source: IpAddr,
    typed: &str,
    password: String,
) -> Result<Result<User, Refusal>, WebError> {
    let account = typed.to_ascii_lowercase();
    if let Err(wait) = state.throttle.check(&account, source) {
        return Ok(Err(Refusal::Throttled(wait)));
    }
    let found = match Username::parse(typed) {
        Ok(name) => state.store.user_credentials(&name).await?,
        Err(_) => None,
    };
    let (user, stored) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, passwords::dummy().clone()),
    };
    let matches = passwords::verify_blocking(password, stored).await;
    let Some(user) = user.filter(|_| matches) else {
        state.throttle.record_failure(&account, source);
        return Ok(Err(Refusal::WrongPassword));
    };
    if user.disabled {
        return Ok(Err(Refusal::Disabled));
    }
    state.throttle.record_success(&account);
    Ok(Ok(user))
}

async fn logout(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    visitor: Visitor,
) -> Result<Response, WebError> {
    if let Some(session) = &visitor.session {
        state.store.delete_session(session).await?;
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookies::delete(cookies::SESSION, state.is_tls(peer, &headers)),
    );
    Ok(response)
}
