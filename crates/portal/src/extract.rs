//! Request bodies as handlers take them: [`Form`] and [`Json`] wrap
//! axum's extractors of the same names so that a body which does not fit
//! — the wrong `Content-Type`, too large, malformed — is a [`WebError`]
//! like any other refusal: a page or `{"code", "message"}` in the
//! visitor's language, never axum's plain-text rejection.
//!
//! | code | status | why |
//! | --- | --- | --- |
//! | `unsupported_media_type` | 415 | a form route got something other than a urlencoded form, or a JSON route something other than JSON |
//! | `too_large` | 413 | the body is over the route's limit |
//! | `invalid_form` / `invalid_json` | 400 | the body does not parse or lacks a required field |

use crate::error::WebError;
use crate::i18n::Text;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// An `application/x-www-form-urlencoded` body.
#[derive(Debug)]
pub struct Form<T>(pub T);

/// An `application/json` body.
#[derive(Debug)]
pub struct Json<T>(pub T);

fn too_large() -> WebError {
    WebError::refused(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        Text::error_too_large,
    )
}

pub(crate) fn form_rejection(rejection: &FormRejection) -> WebError {
    match rejection.status() {
        StatusCode::UNSUPPORTED_MEDIA_TYPE => WebError::refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            Text::error_form_media_type,
        ),
        StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        _ => WebError::refused(StatusCode::BAD_REQUEST, "invalid_form", Text::error_invalid),
    }
}

pub(crate) fn json_rejection(rejection: &JsonRejection) -> WebError {
    match rejection.status() {
        StatusCode::UNSUPPORTED_MEDIA_TYPE => WebError::refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            Text::error_media_type,
        ),
        StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        _ => WebError::refused(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            Text::error_invalid_json,
        ),
    }
}

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, WebError> {
        axum::extract::Form::<T>::from_request(request, state)
            .await
            .map(|axum::extract::Form(value)| Form(value))
            .map_err(|rejection| form_rejection(&rejection))
    }
}

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, WebError> {
        axum::extract::Json::<T>::from_request(request, state)
            .await
            .map(|axum::extract::Json(value)| Json(value))
            .map_err(|rejection| json_rejection(&rejection))
    }
}
