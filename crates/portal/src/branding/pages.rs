//! `/admin/branding` (administrators: the form and its `POST`) and
//! `/branding/logo/<hash>.<ext>` (everyone: the logo).
//!
//! The form is `multipart/form-data` with `site_name`, `accent`, `band`,
//! `banner`, an optional file part `logo` and a checkbox `remove_logo`
//! (a new logo wins over it). Every field is checked before anything is
//! written; a refusal shows the form again with what was typed and the
//! reason, and changes nothing. A save is one statement
//! (`Store::save_branding`), then the row is read back and installed in
//! the [`BrandingCache`](super::BrandingCache), so the very next request
//! of any visitor shows it.

use super::logo::{self, LogoError, LogoKind, MAX_LOGO_BYTES, MAX_PNG_SIDE};
use super::{Branding, Color, MIN_ACCENT_CONTRAST};
use crate::PortalState;
use crate::admin::require_admin;
use crate::error::WebError;
use crate::i18n::Text;
use crate::pages::{Page, render};
use crate::session::Visitor;
use askama::Template;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Router, routing::get};
use serde::Deserialize;
use store::{BrandingUpdate, LogoChange};

/// Longest site name, in characters.
pub const MAX_SITE_NAME_CHARS: usize = 60;
/// Longest banner, in characters.
pub const MAX_BANNER_CHARS: usize = 300;
/// Largest text part of the form, in bytes.
const MAX_TEXT_BYTES: usize = 4 * 1024;
/// Largest body of the form: room for a logo somewhat over its limit, so
/// that the form can say so rather than the request being cut off.
pub const MAX_FORM_BODY: usize = 2 * MAX_LOGO_BYTES;
/// How a logo is served: nothing in it may run or fetch, and browsers
/// must not guess another type.
const LOGO_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

pub(crate) fn router() -> Router<PortalState> {
    Router::new()
        .route(
            "/admin/branding",
            get(form)
                .post(save)
                .layer(DefaultBodyLimit::max(MAX_FORM_BODY)),
        )
        .route("/branding/logo/{file}", get(serve_logo))
}

/// The form's fields as typed.
#[derive(Debug, Default)]
struct Fields {
    site_name: String,
    accent: String,
    band: String,
    banner: String,
    remove_logo: bool,
}

impl Fields {
    fn from_branding(b: &Branding) -> Self {
        Self {
            site_name: b.custom_site_name.clone().unwrap_or_default(),
            accent: b.accent.map(|c| c.to_string()).unwrap_or_default(),
            band: b.band.map(|c| c.to_string()).unwrap_or_default(),
            banner: b.banner.clone(),
            remove_logo: false,
        }
    }
}

/// A file part: its name, declared type and bytes (`None` when it was
/// over [`MAX_LOGO_BYTES`]: the rest was read and dropped).
#[derive(Debug)]
struct Upload {
    file_name: String,
    content_type: Option<String>,
    bytes: Option<Vec<u8>>,
}

#[derive(Template)]
#[template(path = "branding.html")]
struct BrandingPage {
    page: Page,
    fields: Fields,
    configured_site: String,
    logo_url: Option<String>,
    saved: bool,
    error: Option<String>,
    max_site_name: usize,
    max_banner: usize,
    max_logo_kib: usize,
    max_png_side: u32,
}

#[derive(Deserialize)]
struct FormQuery {
    #[serde(default)]
    saved: Option<String>,
}

fn page_for(
    state: &PortalState,
    visitor: &Visitor,
    fields: Fields,
    saved: bool,
    error: Option<String>,
) -> String {
    let brand = state.brand();
    render(&BrandingPage {
        page: visitor.page(),
        fields,
        configured_site: state.branding.configured_site().to_owned(),
        logo_url: brand.logo_url(),
        saved,
        error,
        max_site_name: MAX_SITE_NAME_CHARS,
        max_banner: MAX_BANNER_CHARS,
        max_logo_kib: MAX_LOGO_BYTES / 1024,
        max_png_side: MAX_PNG_SIDE,
    })
}

async fn form(
    State(state): State<PortalState>,
    visitor: Visitor,
    query: Result<Query<FormQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    require_admin(&visitor)?;
    let saved = query.is_ok_and(|Query(q)| q.saved.is_some());
    let fields = Fields::from_branding(&state.brand());
    Ok(Html(page_for(&state, &visitor, fields, saved, None)).into_response())
}

/// A refusal of the form: status, message and what exactly.
struct Refusal {
    status: StatusCode,
    message: fn(&Text) -> &'static str,
    detail: Option<String>,
}

impl Refusal {
    fn unprocessable(message: fn(&Text) -> &'static str) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message,
            detail: None,
        }
    }
}

impl From<LogoError> for Refusal {
    fn from(e: LogoError) -> Self {
        let (status, message): (_, fn(&Text) -> &'static str) = match &e {
            LogoError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, Text::error_logo_too_large),
            LogoError::UnknownKind => (StatusCode::UNPROCESSABLE_ENTITY, Text::error_logo_kind),
            LogoError::NotPng(_) => (StatusCode::UNPROCESSABLE_ENTITY, Text::error_not_png),
            LogoError::PngTooBig(..) => (StatusCode::UNPROCESSABLE_ENTITY, Text::error_png_too_big),
            LogoError::NotSvg(_) => (StatusCode::UNPROCESSABLE_ENTITY, Text::error_not_svg),
        };
        Self {
            status,
            message,
            detail: e.detail(),
        }
    }
}

/// A field's text with runs of whitespace (line breaks included) made
/// one space; `None` if it holds another control character.
fn one_line(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let line = words.join(" ");
    (!line.chars().any(char::is_control)).then_some(line)
}

fn optional_colour(text: &str) -> Result<Option<Color>, Refusal> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    Color::parse(text)
        .map(Some)
        .ok_or_else(|| Refusal::unprocessable(Text::error_invalid_color))
}

/// A checked save: everything [`BrandingUpdate`] needs.
struct Checked {
    site_name: Option<String>,
    accent: Option<Color>,
    band: Option<Color>,
    banner: String,
    logo: Option<(LogoKind, Vec<u8>)>,
    remove_logo: bool,
}

fn check(fields: &Fields, upload: Option<Upload>) -> Result<Checked, Refusal> {
    let site_name = one_line(&fields.site_name)
        .filter(|n| n.chars().count() <= MAX_SITE_NAME_CHARS)
        .ok_or_else(|| Refusal::unprocessable(Text::error_invalid_site_name))?;
    let accent = optional_colour(&fields.accent)?;
    if accent.is_some_and(|c| c.contrast_with_white() < MIN_ACCENT_CONTRAST) {
        return Err(Refusal {
            detail: accent.map(|c| format!("{c}: {:.1}:1", c.contrast_with_white())),
            ..Refusal::unprocessable(Text::error_low_contrast)
        });
    }
    let band = optional_colour(&fields.band)?;
    let banner = one_line(&fields.banner)
        .filter(|b| b.chars().count() <= MAX_BANNER_CHARS)
        .ok_or_else(|| Refusal::unprocessable(Text::error_invalid_banner))?;
    let logo = match upload {
        None => None,
        Some(Upload { bytes: None, .. }) => return Err(LogoError::TooLarge.into()),
        Some(Upload {
            file_name,
            content_type,
            bytes: Some(bytes),
        }) => Some(logo::accept(&file_name, content_type.as_deref(), &bytes)?),
    };
    Ok(Checked {
        site_name: (!site_name.is_empty()).then_some(site_name),
        accent,
        band,
        banner,
        logo,
        remove_logo: fields.remove_logo,
    })
}

async fn save(
    State(state): State<PortalState>,
    visitor: Visitor,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    require_admin(&visitor)?;
    let multipart = multipart.map_err(|_| {
        WebError::refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            Text::error_upload_media_type,
        )
    })?;
    let (fields, upload) = read_form(multipart).await?;
    let checked = match check(&fields, upload) {
        Ok(checked) => checked,
        Err(refusal) => {
            let t = visitor.lang.text();
            let mut message = (refusal.message)(&t).to_owned();
            if let Some(detail) = refusal.detail {
                message = format!("{message} {detail}");
            }
            let html = page_for(&state, &visitor, fields, false, Some(message));
            return Ok((refusal.status, Html(html)).into_response());
        }
    };
    let accent = checked.accent.map(|c| c.to_string());
    let band = checked.band.map(|c| c.to_string());
    let logo = match (&checked.logo, checked.remove_logo) {
        (Some((kind, bytes)), _) => LogoChange::Set(kind.media_type(), bytes),
        (None, true) => LogoChange::Remove,
        (None, false) => LogoChange::Keep,
    };
    state
        .store
        .save_branding(&BrandingUpdate {
            site_name: checked.site_name.as_deref(),
            accent: accent.as_deref(),
            band: band.as_deref(),
            banner: &checked.banner,
            logo,
            updated_at: state.clock.now(),
        })
        .await?;
    // Read back rather than install what was sent: the stored row is the
    // one every other process will load.
    state.branding.install(state.store.branding().await?);
    Ok(Redirect::to("/admin/branding?saved=1").into_response())
}

fn multipart_error(e: &MultipartError) -> WebError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        WebError::refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            Text::error_too_large,
        )
    } else {
        WebError::refused(
            StatusCode::BAD_REQUEST,
            "invalid_multipart",
            Text::error_invalid_multipart,
        )
    }
}

/// Reads the form's parts. An oversized logo is read to its end and
/// dropped (the form then says so); an oversized text part is refused.
async fn read_form(mut multipart: Multipart) -> Result<(Fields, Option<Upload>), WebError> {
    let mut fields = Fields::default();
    let mut upload = None;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let is_logo = name == "logo";
        let limit = if is_logo {
            MAX_LOGO_BYTES
        } else {
            MAX_TEXT_BYTES
        };
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let content_type = field.content_type().map(str::to_owned);
        let mut bytes = Some(Vec::new());
        while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e))? {
            let Some(held) = &mut bytes else { continue };
            if held.len() + chunk.len() > limit {
                if !is_logo {
                    return Err(WebError::Refused {
                        status: StatusCode::PAYLOAD_TOO_LARGE,
                        code: "field_too_large",
                        message: Text::error_field_too_large,
                        detail: Some(format!("({limit} bytes at most)")),
                    });
                }
                bytes = None;
                continue;
            }
            held.extend_from_slice(&chunk);
        }
        if is_logo {
            // A form sent without choosing a file has an empty part.
            let chosen = !file_name.is_empty() || bytes.as_ref().is_none_or(|b| !b.is_empty());
            if chosen {
                upload = Some(Upload {
                    file_name,
                    content_type,
                    bytes,
                });
            }
            continue;
        }
        let text = String::from_utf8(bytes.unwrap_or_default()).map_err(|_| {
            WebError::refused(
                StatusCode::BAD_REQUEST,
                "invalid_multipart",
                Text::error_invalid_multipart,
            )
        })?;
        match name.as_str() {
            "site_name" => fields.site_name = text,
            "accent" => fields.accent = text,
            "band" => fields.band = text,
            "banner" => fields.banner = text,
            "remove_logo" => fields.remove_logo = text == "1",
            // The CSRF token, checked by the middleware.
            _ => {}
        }
    }
    Ok((fields, upload))
}

/// The current logo, if `file` names it (`<hash>.<ext>`); an old or
/// unknown name is a 404, so a cached page never shows the wrong logo.
async fn serve_logo(
    State(state): State<PortalState>,
    Path(file): Path<String>,
) -> Result<Response, WebError> {
    let brand = state.brand();
    let logo = brand.logo.as_ref().ok_or(WebError::NotFound)?;
    if file != format!("{}.{}", logo.hash, logo.kind.extension()) {
        return Err(WebError::NotFound);
    }
    let mut response = logo.bytes.clone().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(logo.kind.media_type()),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(LOGO_CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_become_one_line_and_control_characters_are_refused() {
        assert_eq!(one_line("  a\r\n b\tc "), Some("a b c".into()));
        assert_eq!(one_line("a\u{7}b"), None);
        assert_eq!(one_line(""), Some(String::new()));
    }

    #[test]
    fn a_light_accent_is_refused_and_empty_colours_mean_the_default() {
        let fields = |accent: &str| Fields {
            accent: accent.into(),
            ..Fields::default()
        };
        assert!(check(&fields("#ffff00"), None).is_err());
        assert!(check(&fields("blue"), None).is_err());
        let checked = check(&fields(" "), None).ok().unwrap();
        assert_eq!((checked.accent, checked.site_name), (None, None));
    }
}
