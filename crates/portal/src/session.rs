//! Login sessions and the [`Visitor`] every page handler starts from.
//!
//! A session token is 32 random bytes, sent to the browser as 64 hex
//! characters in the `sg_session` cookie (HttpOnly, SameSite=Lax, Secure
//! over TLS). The store keeps only its SHA-256, with an expiry time from
//! the injected clock; logging out, changing the password or disabling
//! the account deletes the row, so sessions are revocable.
//!
//! API clients send `Authorization: Bearer <token>` instead, with a
//! token from `POST /api/v1/auth/token` (stored the same way, as a
//! SHA-256). A request that carries one is authenticated by it alone:
//! its cookies are ignored, and an unknown or revoked token leaves the
//! visitor anonymous.

use crate::branding::Branding;
use crate::csrf::CsrfToken;
use crate::error::WebError;
use crate::i18n::Lang;
use crate::pages::Page;
use crate::{PortalState, cookies};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use std::sync::Arc;
use store::{SecretHash, User};

/// A new session token (for the cookie) and its hash (for the store).
pub fn new_token() -> (String, SecretHash) {
    let token = random_hex(32);
    let hash = hash_secret(&token);
    (token, hash)
}

/// `bytes` random bytes as lowercase hex: session tokens, CSRF cookies,
/// invitation codes, feed tokens.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut random = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut random);
    random.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 under which a token or invitation code is stored. A fast
/// hash is enough: the inputs are 128+ random bits, not passwords.
pub fn hash_secret(secret: &str) -> SecretHash {
    SecretHash(Sha256::digest(secret.as_bytes()).into())
}

/// The token of an `Authorization: Bearer` header (scheme in any case).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Who is asking: their language, their account if logged in, and the
/// CSRF token for this page's forms.
#[derive(Debug)]
pub struct Visitor {
    pub lang: Lang,
    pub user: Option<User>,
    /// The hash of the session cookie's token, if the visitor sent one
    /// (valid or not) and no API token.
    pub session: Option<SecretHash>,
    /// The hash of the API token the request carried, if any.
    pub api_token: Option<SecretHash>,
    pub csrf: String,
    /// The branding when the request came in: one version per page.
    brand: Arc<Branding>,
    /// Site-wide freeleech, as the tracker's ledger had it (mode
    /// `private` only).
    site_freeleech: bool,
}

impl Visitor {
    /// The logged-in account, or 401.
    pub fn require_user(&self) -> Result<&User, WebError> {
        self.user.as_ref().ok_or(WebError::Unauthorized)
    }

    /// What the layout shows for this visitor.
    pub fn page(&self) -> Page {
        let mut page = Page::new(
            self.lang,
            Arc::clone(&self.brand),
            self.user.as_ref(),
            &self.csrf,
        );
        page.site_freeleech = self.site_freeleech;
        page
    }
}

impl FromRequestParts<PortalState> for Visitor {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState,
    ) -> Result<Self, Self::Rejection> {
        let lang = parts.extensions.get::<Lang>().copied().unwrap_or(Lang::En);
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let api_token = bearer_token(&parts.headers).map(hash_secret);
        let session = match api_token {
            Some(_) => None,
            None => cookies::get(&parts.headers, cookies::SESSION).map(hash_secret),
        };
        let user = match (&api_token, &session) {
            (Some(token), _) => state.store.api_token_user(token).await?,
            (None, Some(hash)) => state.store.session_user(hash, state.clock.now()).await?,
            (None, None) => None,
        };
        Ok(Self {
            lang,
            user,
            session,
            api_token,
            csrf,
            brand: state.brand(),
            site_freeleech: state
                .tracker
                .accounting()
                .is_some_and(|a| a.ledger.site_freeleech()),
        })
    }
}
