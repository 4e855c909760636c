//! The web portal: pages, member accounts, a JSON API and the health
//! check, with the access policy in front of everything but the health
//! check.
//!
//! Layout: one module per feature, each exporting `router()` (`home`,
//! `accounts`: sign-up, log-in, log-out; `profile`: profile, passkey,
//! invitations; `api`; [`releases`]: upload, browse, release pages,
//! downloads, comments, moderation and their JSON API); a module that
//! serves `/api/v1` also exports `api()`, which `openapi` merges into
//! the JSON API and its OpenAPI document; [`router`] merges them and wraps them, outermost
//! first, in the policy gate ([`legal_block`]), the language choice
//! ([`i18n`]), the error renderer ([`error`]) and the CSRF check
//! ([`csrf`]), so no route can skip any of them.
//!
//! Cross-cutting pieces: [`session`] (cookies to accounts), [`passwords`]
//! (Argon2id), [`throttle`] (failed log-ins, in memory), [`clock`]
//! (injected time), [`pages`] (templates), `transfers` (a member's
//! figures from the store and the tracker's ledger). No handler stores
//! or logs a client address: the throttle holds one in memory for its
//! window only.

mod accounts;
mod admin;
mod api;
pub mod branding;
pub mod clock;
mod control_chars;
pub mod cookies;
pub mod csrf;
pub mod error;
pub mod extract;
mod feeds;
mod home;
pub mod i18n;
pub mod language;
pub mod legal_block;
mod member_data;
mod openapi;
mod pages;
pub mod passwords;
mod profile;
pub mod releases;
pub mod session;
pub mod throttle;
mod tokens;
mod tracker_members;
mod transfers;

pub use accounts::new_passkey;
pub use releases::{PrivateFlag, ReleaseSettings};

use axum::Router;
use axum::extract::{ConnectInfo, Query, Request};
use axum::http::{HeaderMap, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use axum::routing::get;
use clock::WallClock;
use csrf::CsrfKey;
use i18n::Lang;
use ipnet::IpNet;
use std::net::SocketAddr;
use std::sync::Arc;
use store::Store;
use throttle::{LoginThrottle, ThrottleLimits};
use tracker::Tracker;

/// Who may create an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registration {
    /// Anyone.
    Open,
    /// Whoever has an invitation from a member allowed to invite.
    Invite,
    /// Nobody; the operator adds accounts with `swarmgate user add`.
    Closed,
}

/// When cookies get the `Secure` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecureCookies {
    /// When the request came over TLS: a trusted proxy says
    /// `X-Forwarded-Proto: https` or `Forwarded: proto=https`.
    Auto,
    Always,
}

/// The accounts part of the configuration.
#[derive(Clone, Debug)]
pub struct AccountSettings {
    pub registration: Registration,
    pub session_lifetime_secs: i64,
    pub invite_lifetime_secs: i64,
    pub secure_cookies: SecureCookies,
    pub throttle: ThrottleLimits,
    /// The proxies whose `X-Forwarded-Proto` is believed.
    pub trusted_proxies: Vec<IpNet>,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            registration: Registration::Invite,
            session_lifetime_secs: 30 * 86_400,
            invite_lifetime_secs: 7 * 86_400,
            secure_cookies: SecureCookies::Auto,
            throttle: ThrottleLimits::default(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// What every portal handler can reach.
#[derive(Clone, Debug)]
pub struct PortalState {
    pub tracker: Arc<Tracker>,
    /// The configured site name; what pages show is [`PortalState::brand`]'s.
    pub site_name: Arc<str>,
    /// The live branding (site name, logo, colours, banner).
    pub branding: Arc<branding::BrandingCache>,
    pub store: Store,
    pub accounts: Arc<AccountSettings>,
    pub clock: Arc<dyn WallClock>,
    pub csrf: Arc<CsrfKey>,
    pub throttle: Arc<LoginThrottle>,
    pub releases: Arc<ReleaseSettings>,
}

impl PortalState {
    pub fn new(
        tracker: Arc<Tracker>,
        store: Store,
        site_name: &str,
        accounts: AccountSettings,
        clock: Arc<dyn WallClock>,
    ) -> Self {
        let throttle = Arc::new(LoginThrottle::new(accounts.throttle, Arc::clone(&clock)));
        Self {
            tracker,
            site_name: site_name.into(),
            branding: Arc::new(branding::BrandingCache::new(site_name)),
            store,
            accounts: Arc::new(accounts),
            clock,
            csrf: Arc::new(CsrfKey::random()),
            throttle,
            releases: Arc::new(ReleaseSettings::default()),
        }
    }

    /// Replaces the release settings (the defaults suit tests only: the
    /// announce URL is `localhost`).
    pub fn with_releases(mut self, releases: ReleaseSettings) -> Self {
        self.releases = Arc::new(releases);
        self
    }

    /// The branding this request draws with (see [`branding`]).
    pub fn brand(&self) -> Arc<branding::Branding> {
        self.branding.get()
    }

    /// The largest request body read before a handler sees it: an
    /// upload's or the branding form's, the largest there are.
    pub fn max_upload_body(&self) -> usize {
        self.releases.max_upload_body().max(branding::MAX_FORM_BODY)
    }

    /// Whether the visitor reached us over TLS, so cookies must be
    /// `Secure`. swarmgate itself speaks plain HTTP; TLS ends at a
    /// reverse proxy, which is only believed when trusted.
    pub fn is_tls(&self, peer: SocketAddr, headers: &HeaderMap) -> bool {
        match self.accounts.secure_cookies {
            SecureCookies::Always => true,
            SecureCookies::Auto => {
                let peer = peer.ip().to_canonical();
                let trusted = self
                    .accounts
                    .trusted_proxies
                    .iter()
                    .any(|n| n.contains(&peer));
                trusted && proxy_says_https(headers)
            }
        }
    }
}

fn proxy_says_https(headers: &HeaderMap) -> bool {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
    };
    header("x-forwarded-proto").is_some_and(|p| p.trim() == "https")
        || header(header::FORWARDED.as_str()).is_some_and(|f| f.contains("proto=https"))
}

pub fn router(state: PortalState) -> Router {
    let gated = home::router()
        .merge(accounts::router())
        .merge(profile::router())
        .merge(member_data::router())
        .merge(admin::router())
        .merge(openapi::router(&state))
        .merge(releases::router(&state))
        .merge(feeds::router())
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), csrf::protect))
        .layer(from_fn_with_state(state.clone(), error::render))
        .layer(from_fn_with_state(state.clone(), choose_language))
        .layer(from_fn_with_state(state.clone(), legal_block::gate))
        .with_state(state);
    // The health check answers the operator's own monitoring and says
    // nothing about the catalog, so no policy applies to it.
    Router::new().route("/healthz", get(healthz)).merge(gated)
}

async fn not_found() -> error::WebError {
    error::WebError::NotFound
}

#[derive(serde::Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// Middleware: puts the visitor's [`Lang`] in the request; `?lang=xx`
/// also sets a cookie remembering the choice for a year.
async fn choose_language(
    axum::extract::State(state): axum::extract::State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    query: Result<Query<LangQuery>, axum::extract::rejection::QueryRejection>,
    mut request: Request,
    next: Next,
) -> Response {
    let chosen = query
        .ok()
        .and_then(|Query(q)| q.lang)
        .as_deref()
        .and_then(Lang::parse);
    let lang = Lang::choose(chosen, request.headers());
    let secure = state.is_tls(peer, request.headers());
    request.extensions_mut().insert(lang);
    let mut response = next.run(request).await;
    if let Some(lang) = chosen {
        response.headers_mut().append(
            header::SET_COOKIE,
            cookies::set(cookies::LANG, lang.code(), Some(365 * 86_400), secure),
        );
    }
    response.headers_mut().append(
        header::VARY,
        header::HeaderValue::from_static("Accept-Language, Cookie"),
    );
    response
}

/// Liveness for load balancers and orchestrators: the process is up and
/// serving HTTP.
async fn healthz() -> &'static str {
    "ok\n"
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
