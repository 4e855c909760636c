//! Reading the `Cookie` header and writing `Set-Cookie` (RFC 6265).
//!
//! Every cookie the portal sets is `HttpOnly` (no script reads it),
//! `SameSite=Lax` (not sent with cross-site POSTs), `Path=/`, and `Secure`
//! when the visitor reached us over TLS (see [`crate::PortalState::is_tls`]).

use axum::http::{HeaderMap, HeaderValue, header};

/// Session token of a logged-in visitor.
pub const SESSION: &str = "sg_session";
/// Random value that anonymous forms' CSRF tokens are bound to.
pub const CSRF: &str = "sg_csrf";
/// The language the visitor chose with `?lang=`.
pub const LANG: &str = "sg_lang";

/// The value of cookie `name`, if the request carries it.
pub fn get<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|value| !value.is_empty())
}

/// A `Set-Cookie` value. `max_age` in seconds; `None` makes a session
/// cookie (gone when the browser closes), `Some(0)` deletes it.
/// `value` must be a cookie-safe token (hex or a language code).
pub fn set(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        cookie.push_str(&format!("; Max-Age={}", age.max(0)));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    HeaderValue::from_str(&cookie).expect("cookie names and values are ASCII tokens")
}

/// A `Set-Cookie` value that deletes cookie `name`.
pub fn delete(name: &str, secure: bool) -> HeaderValue {
    set(name, "", Some(0), secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_several_headers_and_pairs() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; sg_lang=ru"));
        h.append(header::COOKIE, HeaderValue::from_static("sg_session=abc"));
        assert_eq!(get(&h, LANG), Some("ru"));
        assert_eq!(get(&h, SESSION), Some("abc"));
        assert_eq!(get(&h, CSRF), None);
    }

    #[test]
    fn every_cookie_is_http_only_and_same_site_lax() {
        let c = set(SESSION, "ff", Some(60), true);
        assert_eq!(
            c.to_str().unwrap(),
            "sg_session=ff; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert!(
            !set(LANG, "en", None, false)
                .to_str()
                .unwrap()
                .contains("Secure")
        );
    }
}
