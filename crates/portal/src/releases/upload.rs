//! Uploading a release, for the form (`POST /upload`) and the API
//! (`POST /api/v1/releases`) alike: a `multipart/form-data` body with the
//! parts `torrent` (the file), `title`, `category` (slug or id),
//! `description` (Markdown) and `tags` (comma-separated).
//!
//! Every refusal is a [`WebError::Refused`] with a stable code and a
//! message the uploader can act on:
//!
//! | code | status | why |
//! | --- | --- | --- |
//! | `unsupported_media_type` | 415 | the body is not multipart/form-data |
//! | `invalid_multipart` | 400 | the multipart body is broken, or a text part is not UTF-8 |
//! | `too_large` / `torrent_too_large` / `field_too_large` | 413 | the body, the file or a text part is over its limit |
//! | `missing_torrent` | 422 | no file was sent |
//! | `invalid_torrent` | 422 | `metainfo` refused the file (its reason is appended) |
//! | `invalid_file_names` | 422 | a name in the torrent is not UTF-8 |
//! | `private_flag_required` / `private_flag_forbidden` | 422 | the BEP 27 flag conflicts with `portal.private_torrents` |
//! | `invalid_title` / `invalid_tags` | 422 | empty or overlong title, bad tags |
//! | `invalid_description` | 422 | a control character other than a tab or a line break in the description |
//! | `unknown_category` | 422 | no such category |
//! | `duplicate_release` | 409 | a release has one of its info-hashes (its path is appended) |
//!
//! The release, its files and tags are written in one transaction
//! ([`store::Store::create_release`]): a refusal or failure stores
//! nothing.

use super::PrivateFlag;
use super::categories::CategoryTree;
use crate::PortalState;
use crate::control_chars::{TABS_AND_LINE_BREAKS, has_control_except};
use crate::error::WebError;
use crate::i18n::Text;
use axum::extract::Multipart;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::http::{HeaderMap, StatusCode, header};
use metainfo::{InfoHashes, Limits, Metainfo, MetainfoError};
use store::{NewRelease, ReleaseFile, ReleaseStatus, StoreError, User};

/// Longest title, in characters.
pub(crate) const MAX_TITLE_CHARS: usize = 300;
/// Largest description, in bytes of Markdown.
pub(crate) const MAX_DESCRIPTION_BYTES: usize = 64 * 1024;
/// Largest other text part (category, tags, CSRF token), in bytes.
const MAX_SMALL_FIELD_BYTES: usize = 4 * 1024;
const MAX_TAGS: usize = 20;
const MAX_TAG_CHARS: usize = 40;

/// The parts of an upload, unchecked. Other parts (such as the form's
/// `csrf`) are ignored.
#[derive(Debug, Default, utoipa::ToSchema)]
#[schema(as = Upload)]
pub(crate) struct UploadForm {
    /// The .torrent file (v1, v2 or hybrid).
    #[schema(value_type = String, format = Binary,
        content_media_type = "application/x-bittorrent", required = true)]
    pub torrent: Option<Vec<u8>>,
    /// At most 300 characters; the torrent's name when empty.
    #[schema(required = false)]
    pub title: String,
    /// A category's slug or id.
    #[schema(example = "software-linux")]
    pub category: String,
    /// Markdown, at most 64 KiB, without control characters other than
    /// tabs and line breaks.
    #[schema(required = false)]
    pub description: String,
    /// Comma-separated, at most 20 of at most 40 characters each.
    #[schema(required = false)]
    pub tags: String,
}

/// What was stored.
#[derive(Debug)]
pub(crate) struct Uploaded {
    pub id: i64,
    pub hashes: InfoHashes,
    pub status: ReleaseStatus,
}

fn refused(status: StatusCode, code: &'static str, message: fn(&Text) -> &'static str) -> WebError {
    WebError::refused(status, code, message)
}

fn unprocessable(code: &'static str, message: fn(&Text) -> &'static str) -> WebError {
    refused(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// 415 unless the request says it is `multipart/form-data`.
pub(crate) fn require_multipart(headers: &HeaderMap) -> Result<(), WebError> {
    let is_multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    if is_multipart {
        Ok(())
    } else {
        Err(refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            Text::error_upload_media_type,
        ))
    }
}

fn multipart_error(e: &MultipartError) -> WebError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            Text::error_too_large,
        )
    } else {
        refused(
            StatusCode::BAD_REQUEST,
            "invalid_multipart",
            Text::error_invalid_multipart,
        )
    }
}

/// Reads every part, enforcing each one's limit as it streams in.
pub(crate) async fn read_form(
    mut multipart: Multipart,
    max_torrent_bytes: usize,
) -> Result<UploadForm, WebError> {
    let mut form = UploadForm::default();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let (limit, too_large_code, too_large_message): (_, _, fn(&Text) -> &'static str) =
            match name.as_str() {
                "torrent" => (
                    max_torrent_bytes,
                    "torrent_too_large",
                    Text::error_torrent_too_large,
                ),
                "description" => (
                    MAX_DESCRIPTION_BYTES,
                    "field_too_large",
                    Text::error_field_too_large,
                ),
                _ => (
                    MAX_SMALL_FIELD_BYTES,
                    "field_too_large",
                    Text::error_field_too_large,
                ),
            };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e))? {
            if bytes.len() + chunk.len() > limit {
                return Err(WebError::Refused {
                    status: StatusCode::PAYLOAD_TOO_LARGE,
                    code: too_large_code,
                    message: too_large_message,
                    detail: Some(format!("({limit} bytes at most)")),
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        if name == "torrent" {
            form.torrent = Some(bytes);
            continue;
        }
        let text = || {
            String::from_utf8(bytes.clone()).map_err(|_| {
                refused(
                    StatusCode::BAD_REQUEST,
                    "invalid_multipart",
                    Text::error_invalid_multipart,
                )
            })
        };
        match name.as_str() {
            "title" => form.title = text()?,
            "category" => form.category = text()?,
            "description" => form.description = text()?,
            "tags" => form.tags = text()?,
            // The CSRF token (checked by the middleware) and anything
            // else a client adds are not ours.
            _ => {}
        }
    }
    Ok(form)
}

/// Lowercased, trimmed, deduplicated tags from a comma-separated list.
pub(crate) fn parse_tags(input: &str) -> Result<Vec<String>, WebError> {
    let mut tags: Vec<String> = Vec::new();
    for tag in input.split(',') {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > MAX_TAG_CHARS || has_control_except(&tag, &[]) {
            return Err(unprocessable("invalid_tags", Text::error_invalid_tags));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(unprocessable("invalid_tags", Text::error_invalid_tags));
    }
    Ok(tags)
}

/// The title as given, or the torrent's name when empty (see
/// [`normalize_title`]).
fn clean_title(given: &str, meta: &Metainfo) -> Result<String, WebError> {
    let given = given.trim();
    normalize_title(if given.is_empty() { meta.name() } else { given })
}

/// A title with control characters turned into spaces and trimmed; 422
/// `invalid_title` unless it has 1 to [`MAX_TITLE_CHARS`] characters.
pub(crate) fn normalize_title(title: &str) -> Result<String, WebError> {
    let title: String = title
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let title = title.trim().to_owned();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(unprocessable("invalid_title", Text::error_invalid_title));
    }
    Ok(title)
}

/// 413 `field_too_large` for a description over
/// [`MAX_DESCRIPTION_BYTES`]; 422 `invalid_description` for one with a
/// control character other than a tab or a line break (PostgreSQL
/// refuses NUL in text, and none of them belongs in Markdown).
pub(crate) fn check_description(description: &str) -> Result<(), WebError> {
    if description.len() > MAX_DESCRIPTION_BYTES {
        return Err(WebError::Refused {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "field_too_large",
            message: Text::error_field_too_large,
            detail: Some(format!("({MAX_DESCRIPTION_BYTES} bytes at most)")),
        });
    }
    if has_control_except(description, TABS_AND_LINE_BREAKS) {
        return Err(unprocessable(
            "invalid_description",
            Text::error_invalid_description,
        ));
    }
    Ok(())
}

fn duplicate(id: Option<i64>) -> WebError {
    WebError::Refused {
        status: StatusCode::CONFLICT,
        code: "duplicate_release",
        message: Text::error_duplicate_release,
        detail: id.map(|id| format!("/releases/{id}")),
    }
}

/// Validates the upload and stores it as a release by `user`.
pub(crate) async fn store_release(
    state: &PortalState,
    user: &User,
    form: UploadForm,
) -> Result<Uploaded, WebError> {
    let settings = &state.releases;
    let Some(bytes) = form.torrent.filter(|b| !b.is_empty()) else {
        return Err(unprocessable(
            "missing_torrent",
            Text::error_missing_torrent,
        ));
    };
    let limits = Limits {
        max_input_bytes: settings.max_torrent_bytes,
        ..Limits::default()
    };
    let meta = Metainfo::parse(&bytes, &limits).map_err(|e| match e {
        MetainfoError::InputTooLarge { limit, .. } => WebError::Refused {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "torrent_too_large",
            message: Text::error_torrent_too_large,
            detail: Some(format!("({limit} bytes at most)")),
        },
        other => WebError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_torrent",
            message: Text::error_invalid_torrent,
            detail: Some(other.to_string()),
        },
    })?;
    if !meta.all_names_utf8() {
        return Err(unprocessable("invalid_file_names", Text::error_file_names));
    }
    match (settings.private_flag, meta.is_private()) {
        (PrivateFlag::Required, false) => {
            return Err(unprocessable(
                "private_flag_required",
                Text::error_private_required,
            ));
        }
        (PrivateFlag::Forbidden, true) => {
            return Err(unprocessable(
                "private_flag_forbidden",
                Text::error_private_forbidden,
            ));
        }
        _ => {}
    }
    let title = clean_title(&form.title, &meta)?;
    check_description(&form.description)?;
    let tags = parse_tags(&form.tags)?;
    let tree = CategoryTree::load(state).await?;
    let category = tree
        .find(&form.category)
        .ok_or_else(|| unprocessable("unknown_category", Text::error_unknown_category))?;

    let hashes = meta.info_hashes();
    let v1 = hashes.v1();
    let v2 = hashes.v2().map(|h| h.0);
    if let Some(existing) = state.store.release_id_by_hash(v1, v2).await? {
        return Err(duplicate(Some(existing)));
    }
    let files: Vec<ReleaseFile> = meta
        .files()
        .iter()
        .map(|f| ReleaseFile {
            path: if meta.is_single_file() {
                meta.name().to_owned()
            } else {
                format!("{}/{}", meta.name(), f.display_path())
            },
            length: f.length,
        })
        .collect();
    let status = if super::view::is_trusted(user.role) {
        ReleaseStatus::Approved
    } else {
        ReleaseStatus::Pending
    };
    let created = state
        .store
        .create_release(&NewRelease {
            info_hash_v1: v1,
            info_hash_v2: v2,
            title: &title,
            description_md: &form.description,
            category_id: category.id,
            uploader_id: user.id,
            status,
            size: meta.total_size(),
            private: meta.is_private(),
            torrent: meta.as_bytes(),
            created_at: state.clock.now(),
            files: &files,
            tags: &tags,
        })
        .await;
    match created {
        Ok(id) => {
            if status == ReleaseStatus::Approved {
                // The stored flag: a new row is never freeleech (the
                // column defaults to off; staff turn it on afterwards).
                super::listing::list(state, super::listing::tracked(id, false), &hashes);
            }
            Ok(Uploaded { id, hashes, status })
        }
        // Uploaded at the same moment by someone else.
        Err(StoreError::Conflict(_)) => {
            Err(duplicate(state.store.release_id_by_hash(v1, v2).await?))
        }
        // The category was deleted meanwhile.
        Err(StoreError::Missing(_)) => Err(unprocessable(
            "unknown_category",
            Text::error_unknown_category,
        )),
        Err(e) => Err(e.into()),
    }
}

/// The whole intake of an upload, shared by the form and the JSON API:
/// a logged-in member, a multipart body, the fields read within limits,
/// and the release stored (and listed on the tracker if approved).
pub(crate) async fn receive(
    state: &PortalState,
    user: &User,
    headers: &HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Uploaded, WebError> {
    require_multipart(headers)?;
    let multipart = multipart.map_err(|_| {
        WebError::refused(
            StatusCode::BAD_REQUEST,
            "invalid_multipart",
            Text::error_invalid_multipart,
        )
    })?;
    let form = read_form(multipart, state.releases.max_torrent_bytes).await?;
    store_release(state, user, form).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_lowercased_and_deduplicated() {
        assert_eq!(parse_tags(" Linux, iso,,LINUX ").unwrap(), ["linux", "iso"]);
        assert!(parse_tags(&"x".repeat(41)).is_err());
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(parse_tags(&many.join(",")).is_err());
    }
}
