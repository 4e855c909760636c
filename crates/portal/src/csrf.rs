//! Cross-site request forgery protection for every state-changing
//! request (OWASP CSRF cheat sheet: synchronizer token and signed
//! double-submit cookie).
//!
//! A form's token is `HMAC-SHA256(key, binding)`, where the binding is
//! the visitor's session token when they have one (a synchronizer token:
//! it changes with every log-in and dies with the session), and otherwise
//! a random value in the `sg_csrf` cookie (for the log-in and sign-up
//! forms). Another site can make a browser send the cookies but can read
//! neither them nor the page, so it cannot compute the token; it cannot
//! plant a cookie of its own choosing either, because the token is signed
//! with a key only this process has.
//!
//! [`protect`] runs before every handler: it puts the expected
//! [`CsrfToken`] in the request for pages to embed, and rejects any
//! request that is not GET, HEAD or OPTIONS unless its `csrf` form field
//! (or `X-CSRF-Token` header) matches — so no route can forget the check.
//!
//! Two kinds of request need no token. One that authenticates with an
//! API token (`Authorization: Bearer`): a browser never sends that header
//! on its own, a cross-site page cannot make it send one without a CORS
//! preflight this site never grants, and [`crate::session::Visitor`] then
//! ignores the cookies. And `POST /api/v1/auth/token`, which
//! authenticates with the password in its body, sets no cookie, and
//! answers only whoever sent it.
//!
//! Where the token is looked for: the `X-CSRF-Token` header first (API
//! clients; the body is then not read here, so uploads stream to their
//! handler); else the `csrf` field of a urlencoded form (read up to
//! 64 KiB); else the `csrf` part of a `multipart/form-data` body (the
//! upload form; read up to [`crate::PortalState::max_upload_body`], which
//! bounds what one request can make the server hold).
//! The key is random per process: a restart only asks visitors to
//! reload an open form.

use crate::error::WebError;
use crate::{PortalState, cookies};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use sha2::Sha256;
use std::net::SocketAddr;

/// Largest urlencoded form body read for the check: the release edit
/// form's 64 KiB description percent-encoded (three bytes for each byte
/// of Cyrillic) with room for the other fields. Uploads are multipart.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

/// Routes that take no CSRF token (see the module documentation).
const EXEMPT: &[(Method, &str)] = &[(Method::POST, "/api/v1/auth/token")];

/// The HMAC key. `Debug` does not show it.
pub struct CsrfKey([u8; 32]);

impl CsrfKey {
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Self(key)
    }

    fn token(&self, binding: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(binding.as_bytes());
        store_hex(&mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(***)")
    }
}

/// The token forms on this request's page must carry.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

fn store_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Random hex for the anonymous `sg_csrf` cookie.
fn random_value() -> String {
    crate::session::random_hex(16)
}

/// Compares in time independent of where the inputs differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Middleware: see the module documentation.
pub async fn protect(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let (binding, new_cookie) = match cookies::get(headers, cookies::SESSION) {
        Some(session) => (format!("session:{session}"), None),
        None => match cookies::get(headers, cookies::CSRF) {
            Some(value) => (format!("anonymous:{value}"), None),
            None => {
                let value = random_value();
                (format!("anonymous:{value}"), Some(value))
            }
        },
    };
    let expected = state.csrf.token(&binding);
    let secure = state.is_tls(peer, headers);
    let (mut parts, body) = request.into_parts();
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS)
        || crate::session::bearer_token(&parts.headers).is_some()
        || EXEMPT
            .iter()
            .any(|(method, path)| parts.method == method && parts.uri.path() == *path);
    let from_header = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = if safe {
        body
    } else if let Some(sent) = from_header {
        if !same(&sent, &expected) {
            return WebError::Csrf.into_response();
        }
        body
    } else if let Some(boundary) = multipart_boundary(&parts.headers) {
        let Ok(bytes) = axum::body::to_bytes(body, state.max_upload_body()).await else {
            return WebError::refused(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                crate::i18n::Text::error_too_large,
            )
            .into_response();
        };
        if !multipart_field(bytes.clone(), &boundary, "csrf")
            .await
            .is_some_and(|sent| same(&sent, &expected))
        {
            return WebError::Csrf.into_response();
        }
        Body::from(bytes)
    } else {
        let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
            return WebError::refused(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                crate::i18n::Text::error_too_large,
            )
            .into_response();
        };
        if !form_field(&bytes, "csrf").is_some_and(|sent| same(&sent, &expected)) {
            return WebError::Csrf.into_response();
        }
        Body::from(bytes)
    };
    parts.extensions.insert(CsrfToken(expected));
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(value) = new_cookie {
        // Lives as long as the browser session: only anonymous forms use it.
        response.headers_mut().append(
            header::SET_COOKIE,
            cookies::set(cookies::CSRF, &value, None, secure),
        );
    }
    response
}

/// The first value of `name` in an `application/x-www-form-urlencoded`
/// body.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The boundary of a `multipart/form-data` request, if it is one.
fn multipart_boundary(headers: &axum::http::HeaderMap) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    multer::parse_boundary(content_type).ok()
}

/// The first text value of `name` in a buffered multipart body; `None`
/// if the body is malformed (the handler then reports that) or lacks it.
async fn multipart_field(body: bytes::Bytes, boundary: &str, name: &str) -> Option<String> {
    let chunk: Result<_, std::convert::Infallible> = Ok(body);
    let mut multipart =
        multer::Multipart::new(futures_util::stream::once(async { chunk }), boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_depend_on_the_key_and_the_binding() {
        let (a, b) = (CsrfKey::random(), CsrfKey::random());
        assert_eq!(a.token("session:x"), a.token("session:x"));
        assert_ne!(a.token("session:x"), a.token("session:y"));
        assert_ne!(a.token("session:x"), b.token("session:x"));
        assert_eq!(a.token("x").len(), 64);
        assert_eq!(format!("{a:?}"), "CsrfKey(***)");
    }

    #[test]
    fn comparison_needs_equal_strings() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }

    #[test]
    fn the_token_is_read_from_a_urlencoded_form() {
        assert_eq!(
            form_field(b"username=a%20b&csrf=ff00&x=1", "csrf").as_deref(),
            Some("ff00")
        );
        assert_eq!(form_field(b"username=a", "csrf"), None);
    }
}
