//! The releases JSON API. Errors are `{"code", "message"}` like every
//! portal error. Requests authenticate with an API token
//! (`Authorization: Bearer`, see `crate::tokens`) or with the session
//! cookie; with the cookie, state-changing ones carry the CSRF token in
//! `X-CSRF-Token`.
//!
//! - `GET /api/v1/releases?q=&category=&min_size=&max_size=&since=&status=&sort=&page=`:
//!   approved releases (other statuses for staff), newest first unless
//!   sorted otherwise, 50 per page; `q` searches titles, descriptions and
//!   file names (parameters: `browse`).
//! - `POST /api/v1/releases` (multipart, see `upload`): `201 {id,
//!   info_hash, status}`.
//! - `GET /api/v1/releases/{id}`, `GET /api/v1/releases/{id}/torrent`
//!   (with the caller's passkey), `PATCH /api/v1/releases/{id}` (title,
//!   description, category, tags: see `edit`), `DELETE
//!   /api/v1/releases/{id}` (staff).
//! - `POST /api/v1/releases/{id}/status` `{"status": ...}` (staff).
//! - `POST /api/v1/releases/{id}/freeleech` `{"freeleech": true}`
//!   (staff; see `freeleech`).

use super::browse::{ListQuery, PER_PAGE, listing, query_params};
use super::categories::CategoryTree;
use super::upload;
use super::upload::UploadForm;
use super::view::{
    ReleaseJson, hashes, is_staff, magnet, parse_id, personal_torrent_response, release_json,
    visible_release,
};
use crate::PortalState;
use crate::error::{ApiError, WebError};
use crate::extract::Json as Body;
use crate::i18n::Text;
use crate::legal_block::{DownloadAllowed, MayDownload};
use crate::session::Visitor;
use accounting::{ReleaseCredit, ReleaseId};
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde::{Deserialize, Serialize};
use store::ReleaseStatus;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;

pub fn api(state: &PortalState) -> OpenApiRouter<PortalState> {
    OpenApiRouter::new()
        .routes(
            routes!(list, upload).layer(DefaultBodyLimit::max(state.releases.max_upload_body())),
        )
        .routes(routes!(show, remove))
        .routes(routes!(torrent))
        .routes(routes!(set_status))
}

/// One page of a listing.
#[derive(Debug, Serialize, ToSchema)]
struct ListJson {
    page: u32,
    per_page: u32,
    /// Matching releases: exact when `total_exact`, else a lower bound
    /// (the count stops at 10,000, or just past a deeper page).
    total: u64,
    total_exact: bool,
    releases: Vec<ReleaseJson>,
}

/// List and search releases
///
/// Approved releases, newest first unless sorted otherwise, 50 per
/// page; staff may ask for other statuses. Empty parameters count as
/// absent.
#[utoipa::path(
    get,
    path = "/api/v1/releases",
    operation_id = "list_releases",
    tag = "releases",
    security((), ("bearer" = []), ("session" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "One page of releases", body = ListJson),
        (status = 400, description = "`invalid_query`: the query string does not parse \
            (`page` is not a number, say)", body = ApiError),
        (status = 403, description = "`forbidden`: a status other than `approved` asked by \
            someone who is not staff", body = ApiError),
        (status = 422, description = "`invalid_query` (a size, date or order that does not \
            parse), `unknown_category`, `invalid_status`", body = ApiError),
    )
)]
async fn list(
    State(state): State<PortalState>,
    visitor: Visitor,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<ListJson>, WebError> {
    let query = query_params(query)?;
    let tree = CategoryTree::load(&state).await?;
    let mut categories = Vec::new();
    let listing = listing(&tree, &query, visitor.user.as_ref(), &mut categories)?;
    let page = state.store.list_releases(&listing).await?;
    let releases = page
        .releases
        .iter()
        .map(|r| release_json(&state, &tree, r))
        .collect::<Result<_, _>>()?;
    Ok(Json(ListJson {
        page: query.page(),
        per_page: PER_PAGE,
        total: page.total,
        total_exact: page.total_exact,
        releases,
    }))
}

/// A release just uploaded.
#[derive(Debug, Serialize, ToSchema)]
struct UploadedJson {
    id: i64,
    /// The v1 hash for v1 and hybrid torrents, the v2 hash for v2 ones
    /// (hex).
    info_hash: String,
    /// The full v2 hash (hex) for v2 and hybrid torrents.
    info_hash_v2: Option<String>,
    /// `approved` for uploaders and staff, `pending` for members.
    #[schema(schema_with = crate::openapi::status_schema)]
    status: &'static str,
}

/// Upload a release
///
/// A `multipart/form-data` body with the .torrent and the release's
/// fields. The .torrent is validated (v1, v2 or hybrid); the release,
/// its files and tags are stored in one transaction, so a refusal
/// stores nothing. Uploads by uploaders and staff are approved at once,
/// others wait for a moderator.
#[utoipa::path(
    post,
    path = "/api/v1/releases",
    operation_id = "upload_release",
    tag = "releases",
    security(("bearer" = []), ("session" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = UploadedJson,
            headers(("Location" = String, description = "`/api/v1/releases/{id}`"))),
        (status = 400, description = "`invalid_multipart`: the multipart body is broken, or a \
            text part is not UTF-8", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid API token or session",
            body = ApiError),
        (status = 403, description = "`csrf_failed`: a session without `X-CSRF-Token`",
            body = ApiError),
        (status = 409, description = "`duplicate_release`: a release has one of its \
            info-hashes (its path is appended to the message)", body = ApiError),
        (status = 413, description = "`too_large` (the body), `torrent_too_large`, \
            `field_too_large`", body = ApiError),
        (status = 415, description = "`unsupported_media_type`: the body is not \
            `multipart/form-data`", body = ApiError),
        (status = 422, description = "`missing_torrent`, `invalid_torrent` (the reason is \
            appended), `invalid_file_names`, `private_flag_required`, \
            `private_flag_forbidden`, `invalid_title`, `invalid_tags`, `invalid_description`, \
            `unknown_category`",
            body = ApiError),
    )
)]
async fn upload(
    State(state): State<PortalState>,
    visitor: Visitor,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let user = visitor.require_user()?;
    let uploaded = upload::receive(&state, user, &headers, multipart).await?;
    let hashes = uploaded.hashes;
    let v1 = hashes.v1().map(|h| h.to_hex());
    let v2 = hashes.v2().map(|h| h.to_hex());
    let body = UploadedJson {
        id: uploaded.id,
        info_hash: v1.or_else(|| v2.clone()).unwrap_or_default(),
        info_hash_v2: v2,
        status: uploaded.status.as_str(),
    };
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/releases/{}", uploaded.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// A release with everything about it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ReleaseDetailJson {
    #[serde(flatten)]
    release: ReleaseJson,
    /// Markdown, as written.
    description: String,
    /// The Markdown rendered to sanitized HTML.
    description_html: String,
    /// Category slugs from the top of the tree down to the release's.
    category_path: Vec<String>,
    /// The uploader's name; null for a deleted account.
    uploader: Option<String>,
    /// The torrent's BEP 27 private flag.
    private: bool,
    files: Vec<FileJson>,
    tags: Vec<String>,
    /// With the caller's passkey; `null` for anonymous callers unless
    /// anonymous magnets are allowed, and for callers the access policy
    /// refuses .torrent files (scope `download`).
    magnet: Option<String>,
}

/// A file in a release.
#[derive(Debug, Serialize, ToSchema)]
struct FileJson {
    /// `/`-separated, starting with the torrent's name for a
    /// multi-file torrent.
    path: String,
    /// Bytes.
    length: u64,
}

/// A release
///
/// Approved releases are public; others are seen by their uploader and
/// staff only, and are a 404 to everyone else.
#[utoipa::path(
    get,
    path = "/api/v1/releases/{id}",
    operation_id = "get_release",
    tag = "releases",
    security((), ("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The release's id", minimum = 1)),
    responses(
        (status = 200, description = "The release", body = ReleaseDetailJson),
        (status = 404, description = "`not_found`: no such release, or not visible to the \
            caller", body = ApiError),
    )
)]
async fn show(
    State(state): State<PortalState>,
    visitor: Visitor,
    may: MayDownload,
    Path(id): Path<String>,
) -> Result<Json<ReleaseDetailJson>, WebError> {
    let user = visitor.user.as_ref();
    let release = visible_release(&state, user, parse_id(&id)?).await?;
    Ok(Json(detail(&state, user, &release, may).await?))
}

/// A release as `GET /api/v1/releases/{id}` shows it to `user`.
pub(crate) async fn detail(
    state: &PortalState,
    user: Option<&store::User>,
    release: &store::Release,
    may: MayDownload,
) -> Result<ReleaseDetailJson, WebError> {
    let tree = CategoryTree::load(state).await?;
    let files = state.store.release_files(release.id).await?;
    let tags = state.store.release_tags(release.id).await?;
    Ok(ReleaseDetailJson {
        release: release_json(state, &tree, release)?,
        description_html: super::markdown::render(&release.description_md),
        description: release.description_md.clone(),
        category_path: tree
            .path(release.category_id)
            .iter()
            .map(|c| c.slug.clone())
            .collect(),
        uploader: release.uploader.clone(),
        private: release.private,
        files: files
            .into_iter()
            .map(|f| FileJson {
                path: f.path,
                length: f.length,
            })
            .collect(),
        tags,
        magnet: magnet(state, user, release, may)?,
    })
}

/// The .torrent with the caller's passkey; logged-in members only.
pub(crate) async fn torrent_response(
    state: &PortalState,
    visitor: &Visitor,
    id: &str,
) -> Result<Response, WebError> {
    let user = visitor.require_user()?;
    let release = visible_release(state, Some(user), parse_id(id)?).await?;
    personal_torrent_response(state, user, &release).await
}

/// Download a release's .torrent
///
/// The uploaded file with the caller's passkey in every announce URL;
/// the info dictionary is the uploaded one byte for byte, so the
/// info-hashes are unchanged.
#[utoipa::path(
    get,
    path = "/api/v1/releases/{id}/torrent",
    operation_id = "download_torrent",
    tag = "releases",
    security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The release's id", minimum = 1)),
    responses(
        (status = 200, description = "The .torrent", content(("application/x-bittorrent")),
            headers(("Content-Disposition" = String, description = "The file name, from the title"))),
        (status = 401, description = "`unauthorized`: no valid API token or session",
            body = ApiError),
        (status = 404, description = "`not_found`: no such release, or not visible to the \
            caller", body = ApiError),
        (status = 503, description = "`no_tracker_configured`: the site lists no announce URL",
            body = ApiError),
    )
)]
async fn torrent(
    _: DownloadAllowed,
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    torrent_response(&state, &visitor, &id).await
}

#[derive(Debug, Deserialize, ToSchema)]
struct StatusInput {
    #[schema(schema_with = crate::openapi::status_schema)]
    status: String,
}

/// A release's status, as set.
#[derive(Debug, Serialize, ToSchema)]
struct StatusJson {
    id: i64,
    #[schema(schema_with = crate::openapi::status_schema)]
    status: &'static str,
}

/// Sets a release's status; staff only. Returns the id and the status.
pub(crate) async fn change_status(
    state: &PortalState,
    visitor: &Visitor,
    id: &str,
    status: &str,
) -> Result<(i64, ReleaseStatus), WebError> {
    let user = visitor.require_user()?;
    if !is_staff(Some(user)) {
        return Err(WebError::Forbidden);
    }
    let id = parse_id(id)?;
    let status = ReleaseStatus::parse(status).ok_or_else(|| {
        WebError::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_status",
            Text::error_invalid_status,
        )
    })?;
    if !state.store.set_release_status(id, status).await? {
        return Err(WebError::NotFound);
    }
    // Read back: the stored status decides what the tracker serves.
    if let Some(release) = state.store.release(id).await? {
        let tracked = super::listing::tracked(release.id, release.freeleech);
        super::listing::follow_status(state, tracked, &hashes(&release)?, release.status);
    }
    Ok((id, status))
}

/// Moderate a release
///
/// Sets its status (staff only). The tracker follows at once: in mode
/// `listed`, only approved releases are tracked.
#[utoipa::path(
    post,
    path = "/api/v1/releases/{id}/status",
    operation_id = "set_release_status",
    tag = "releases",
    security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The release's id", minimum = 1)),
    request_body = StatusInput,
    responses(
        (status = 200, description = "Set", body = StatusJson),
        (status = 400, description = "`invalid_json`: the body is not the JSON described",
            body = ApiError),
        (status = 401, description = "`unauthorized`: no valid API token or session",
            body = ApiError),
        (status = 403, description = "`forbidden` (not staff), `csrf_failed` (a session \
            without `X-CSRF-Token`)", body = ApiError),
        (status = 404, description = "`not_found`: no such release", body = ApiError),
        (status = 413, description = "`too_large`: the body is over 2 MiB", body = ApiError),
        (status = 415, description = "`unsupported_media_type`: the body is not `application/json`",
            body = ApiError),
        (status = 422, description = "`invalid_status`", body = ApiError),
    )
)]
async fn set_status(
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Body(input): Body<StatusInput>,
) -> Result<Response, WebError> {
    let (id, status) = change_status(&state, &visitor, &id, &input.status).await?;
    Ok(Json(StatusJson {
        id,
        status: status.as_str(),
    })
    .into_response())
}

/// Delete a release
///
/// Staff only. Its peers are dropped from the tracker at once; members'
/// transfer totals keep what they were credited.
#[utoipa::path(
    delete,
    path = "/api/v1/releases/{id}",
    operation_id = "delete_release",
    tag = "releases",
    security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The release's id", minimum = 1)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "`unauthorized`: no valid API token or session",
            body = ApiError),
        (status = 403, description = "`forbidden` (not staff), `csrf_failed` (a session \
            without `X-CSRF-Token`)", body = ApiError),
        (status = 404, description = "`not_found`: no such release", body = ApiError),
    )
)]
async fn remove(
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let user = visitor.require_user()?;
    if !is_staff(Some(user)) {
        return Err(WebError::Forbidden);
    }
    let id = parse_id(&id)?;
    // The hashes go with the row: read them first.
    let release = state.store.release(id).await?.ok_or(WebError::NotFound)?;
    let hashes = hashes(&release)?;
    if !state.store.delete_release(id).await? {
        return Err(WebError::NotFound);
    }
    super::listing::unlist(&state, ReleaseId(id), &hashes, ReleaseCredit::Discard);
    Ok(StatusCode::NO_CONTENT.into_response())
}
