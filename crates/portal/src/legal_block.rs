//! HTTP 451 Unavailable For Legal Reasons (RFC 7725) for visitors the
//! access policy refuses.
//!
//! Every gated route passes [`gate`]: the policy decides for the client's
//! address (the socket's, or the rightmost untrusted hop behind a trusted
//! proxy) and scope `portal`. Every route that serves a .torrent file
//! also takes [`DownloadAllowed`], the same check for scope `download`,
//! so a rule can refuse .torrent files where it still shows the pages.
//! Both count the decision. Pages and feeds that would show a magnet link
//! leave it out for such a client ([`MayDownload`]): a magnet carries the
//! same tracker URL, passkey and all, as the file. A refusal is answered
//! honestly, in the visitor's language: who blocks (the operators of this
//! site, not an ISP or a court), the rule's message, and the `blocked_by`
//! link, which is also sent as `Link: <...>; rel="blocked-by"` (RFC 7725
//! section 4).
//! JSON routes (`/api/...`, or a client preferring JSON) get the same
//! facts as JSON. `Cache-Control: private, no-store`, so no shared cache
//! serves the refusal to an allowed visitor or the page to a refused one.

use super::language::preferred_languages;
use super::{PortalState, escape_html};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use policy::Scope;
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};

pub async fn gate(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    match refusal(
        &state,
        peer,
        request.uri().path(),
        request.headers(),
        Scope::Portal,
    ) {
        None => next.run(request).await,
        Some(refusal) => refusal,
    }
}

/// Extracted by every handler that serves a .torrent file: refuses with
/// 451 a client the policy denies scope `download`.
pub(crate) struct DownloadAllowed;

impl FromRequestParts<PortalState> for DownloadAllowed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &PortalState) -> Result<Self, Response> {
        let peer = socket_peer(parts, state).await?;
        let path = parts.uri.path();
        match refusal(state, peer, path, &parts.headers, Scope::Download) {
            None => Ok(Self),
            Some(refusal) => Err(refusal),
        }
    }
}

/// Whether the policy lets the client download .torrent files (scope
/// `download`), for pages and feeds that show magnet links only then.
/// Decided without counting: a page view is no download.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MayDownload(pub(crate) bool);

impl MayDownload {
    pub(crate) fn of(state: &PortalState, peer: SocketAddr, headers: &HeaderMap) -> Self {
        let client_ip = client_ip(state, peer, headers);
        let policy = state.tracker.policy().current();
        Self(!policy.decide(client_ip, Scope::Download).denied)
    }
}

impl FromRequestParts<PortalState> for MayDownload {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &PortalState) -> Result<Self, Response> {
        let peer = socket_peer(parts, state).await?;
        Ok(Self::of(state, peer, &parts.headers))
    }
}

/// The socket address the request came from.
async fn socket_peer(parts: &mut Parts, state: &PortalState) -> Result<SocketAddr, Response> {
    let ConnectInfo(peer) = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(peer)
}

/// The client's address: the socket's, or the rightmost untrusted hop
/// behind a trusted proxy.
fn client_ip(state: &PortalState, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    state.tracker.trusted_proxies().client_ip(peer, headers)
}

/// Decides (and counts) `scope` for the client; the refusal to send when
/// it is denied.
fn refusal(
    state: &PortalState,
    peer: SocketAddr,
    path: &str,
    headers: &HeaderMap,
    scope: Scope<'_>,
) -> Option<Response> {
    let tracker = &state.tracker;
    let decision = tracker
        .policy()
        .check(client_ip(state, peer, headers), scope);
    if !decision.denied {
        return None;
    }
    let policy = tracker.policy().current();
    let mut languages = preferred_languages(headers);
    languages.push("en".into());
    let wanted: Vec<&str> = languages.iter().map(String::as_str).collect();
    let refusal = Refusal {
        message: policy.message(&decision, &wanted),
        blocked_by: policy.blocked_by(&decision),
        site: &state.brand().site_name,
        language: page_language(&wanted),
    };
    Some(if wants_json(path, headers) {
        refusal.json()
    } else {
        refusal.html()
    })
}

struct Refusal<'a> {
    message: &'a str,
    blocked_by: Option<&'a str>,
    site: &'a str,
    language: PageLanguage,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PageLanguage {
    En,
    Ru,
}

/// The language of the page's own sentences (the rule's message has its
/// own fallback): the first of the visitor's languages we have.
fn page_language(wanted: &[&str]) -> PageLanguage {
    wanted
        .iter()
        .find_map(|l| match *l {
            "ru" => Some(PageLanguage::Ru),
            "en" => Some(PageLanguage::En),
            _ => None,
        })
        .unwrap_or(PageLanguage::En)
}

fn wants_json(path: &str, headers: &HeaderMap) -> bool {
    path.starts_with("/api/")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.starts_with("application/json"))
}

/// The 451 refusal as JSON.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = LegalRefusal)]
pub(crate) struct JsonRefusal<'a> {
    /// Always `unavailable_for_legal_reasons`.
    error: &'static str,
    /// Always 451.
    status: u16,
    /// The operator's explanation, in the client's language where the
    /// rule has one.
    message: &'a str,
    /// A link to the legal basis, also sent as `Link: <...>;
    /// rel="blocked-by"`.
    blocked_by: Option<&'a str>,
    /// Who decided: the operators of this site.
    decided_by: String,
}

impl Refusal<'_> {
    fn headers(&self, content_type: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
        if let Some(link) = self
            .blocked_by
            .and_then(|url| HeaderValue::from_str(&format!("<{url}>; rel=\"blocked-by\"")).ok())
        {
            headers.insert(header::LINK, link);
        }
        headers
    }

    fn json(&self) -> Response {
        let body = JsonRefusal {
            error: "unavailable_for_legal_reasons",
            status: 451,
            message: self.message,
            blocked_by: self.blocked_by,
            decided_by: format!("the operators of {}", self.site),
        };
        let body = serde_json::to_vec(&body).unwrap_or_default();
        (
            StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS,
            self.headers("application/json"),
            body,
        )
            .into_response()
    }

    fn html(&self) -> Response {
        let site = escape_html(self.site);
        let (lang, title, who, more) = match self.language {
            PageLanguage::En => (
                "en",
                "Unavailable for legal reasons",
                format!(
                    "This decision was made by the operators of {site}, not by your network provider."
                ),
                "Why we block",
            ),
            PageLanguage::Ru => (
                "ru",
                "Недоступно по юридическим причинам",
                format!("Это решение приняли операторы {site}, а не ваш провайдер."),
                "Почему мы блокируем",
            ),
        };
        let link = self
            .blocked_by
            .map(|url| {
                format!(
                    "<p><a href=\"{}\" rel=\"blocked-by\">{more}</a></p>",
                    escape_html(url)
                )
            })
            .unwrap_or_default();
        let body = format!(
            "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>451 — {title}</title></head><body><main>\
             <h1>451 — {title}</h1><p id=\"message\">{message}</p><p>{who}</p>{link}\
             </main></body></html>\n",
            message = escape_html(self.message),
        );
        (
            StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS,
            self.headers("text/html; charset=utf-8"),
            body,
        )
            .into_response()
    }
}
