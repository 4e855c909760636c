//! The portal's one error type, [`WebError`], and how it reaches the
//! visitor.
//!
//! A handler returns `Err(WebError::...)`; `into_response` logs internal
//! causes (never shown to the visitor) and produces a bare response
//! carrying an [`ErrorInfo`]. The [`render`] middleware, which knows the
//! visitor's language and whether they want JSON, turns that into a page
//! or into `{"code": ..., "message": ...}`. `code` is stable, for
//! programs; `message` is for people, in their language.

use crate::PortalState;
use crate::i18n::{Lang, Text};
use crate::pages::{ErrorPage, Page};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use store::StoreError;
use utoipa::ToSchema;

#[derive(Debug)]
pub enum WebError {
    NotFound,
    /// Not logged in.
    Unauthorized,
    /// Logged in, but the role may not do this.
    Forbidden,
    /// A POST without the right CSRF token.
    Csrf,
    /// Malformed input a form cannot re-render (a bad query, say).
    Invalid,
    /// A unique value is taken.
    Conflict,
    /// Refused for a reason of the route's own, with a stable code, a
    /// translated message and optionally a detail in English (such as a
    /// .torrent validation message) appended to it.
    Refused {
        status: StatusCode,
        code: &'static str,
        message: fn(&Text) -> &'static str,
        detail: Option<String>,
    },
    /// Anything else: logged with its cause, shown as a generic message.
    Internal(String),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(_) => WebError::Conflict,
            StoreError::Missing(_) => WebError::NotFound,
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl WebError {
    /// A [`WebError::Refused`] without detail.
    pub fn refused(
        status: StatusCode,
        code: &'static str,
        message: fn(&Text) -> &'static str,
    ) -> Self {
        WebError::Refused {
            status,
            code,
            message,
            detail: None,
        }
    }
}

/// What [`render`] needs to describe an error.
#[derive(Clone, Debug)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub message: fn(&Text) -> &'static str,
    /// Appended to the message after a colon.
    pub detail: Option<String>,
}

impl WebError {
    fn status_and_info(self) -> (StatusCode, ErrorInfo) {
        let (status, code, message): (_, _, fn(&Text) -> &'static str) = match self {
            WebError::Refused {
                status,
                code,
                message,
                detail,
            } => {
                return (
                    status,
                    ErrorInfo {
                        code,
                        message,
                        detail,
                    },
                );
            }
            WebError::NotFound => (StatusCode::NOT_FOUND, "not_found", Text::error_not_found),
            WebError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                Text::error_unauthorized,
            ),
            WebError::Forbidden => (StatusCode::FORBIDDEN, "forbidden", Text::error_forbidden),
            WebError::Csrf => (StatusCode::FORBIDDEN, "csrf_failed", Text::error_csrf),
            WebError::Invalid => (StatusCode::BAD_REQUEST, "invalid", Text::error_invalid),
            WebError::Conflict => (StatusCode::CONFLICT, "conflict", Text::error_conflict),
            WebError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                Text::error_internal,
            ),
        };
        (
            status,
            ErrorInfo {
                code,
                message,
                detail: None,
            },
        )
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(cause) = &self {
            // The cause names a query or a driver error, never a secret:
            // store errors do not echo bound values.
            tracing::error!(error = %cause, "portal request failed");
        }
        let (status, info) = self.status_and_info();
        let mut response = status.into_response();
        response.extensions_mut().insert(info);
        response
    }
}

/// Every refusal of the JSON API.
#[derive(Serialize, ToSchema)]
#[schema(as = Error, example = json!({"code": "not_found", "message": "There is no such page."}))]
pub(crate) struct ApiError {
    /// Stable, for programs: `not_found`, `unauthorized`, `forbidden`,
    /// `csrf_failed`, `invalid_json`, `too_large`, ... (each route lists
    /// its own).
    code: &'static str,
    /// For people, in the visitor's language (`Accept-Language`,
    /// `?lang=`), sometimes with a detail in English appended.
    message: String,
}

/// Whether the client wants JSON: API paths, or `Accept` preferring it.
pub fn wants_json(path: &str, headers: &HeaderMap) -> bool {
    path.starts_with("/api/")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.starts_with("application/json"))
}

/// Middleware: renders [`WebError`] responses as a page or JSON in the
/// visitor's language. Runs inside the language middleware.
pub async fn render(State(state): State<PortalState>, request: Request, next: Next) -> Response {
    let json = wants_json(request.uri().path(), request.headers());
    let lang = request
        .extensions()
        .get::<Lang>()
        .copied()
        .unwrap_or(Lang::En);
    let mut response = next.run(request).await;
    let Some(info) = response.extensions_mut().remove::<ErrorInfo>() else {
        return response;
    };
    let text = lang.text();
    let message = match &info.detail {
        Some(detail) => format!("{} {detail}", (info.message)(&text)),
        None => (info.message)(&text).to_owned(),
    };
    let message = message.as_str();
    let (mut parts, _) = response.into_parts();
    let body = if json {
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let body = serde_json::to_string(&ApiError {
            code: info.code,
            message: message.to_owned(),
        })
        .unwrap_or_default();
        axum::body::Body::from(body)
    } else {
        let page = Page::anonymous(lang, state.brand());
        let html = ErrorPage {
            page: &page,
            status: parts.status.as_u16(),
            message,
        }
        .render_html();
        let (html_parts, body) = Html(html).into_response().into_parts();
        if let Some(ct) = html_parts.headers.get(header::CONTENT_TYPE) {
            parts.headers.insert(header::CONTENT_TYPE, ct.clone());
        }
        body
    };
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Response::from_parts(parts, body)
}
