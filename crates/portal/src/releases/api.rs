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
use super::view::{
    ReleaseJson, content_disposition, hashes, is_staff, magnet, parse_id, personal_torrent,
    release_json, torrent_file_name, visible_release,
};
use crate::PortalState;
use crate::error::WebError;
use crate::extract::Json as Body;
use crate::i18n::Text;
use crate::session::Visitor;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::{Router, routing::get, routing::post};
use serde::{Deserialize, Serialize};
use store::ReleaseStatus;

pub fn router(state: &PortalState) -> Router<PortalState> {
    Router::new()
        .route(
            "/api/v1/releases",
            get(list)
                .post(upload)
                .layer(DefaultBodyLimit::max(state.releases.max_upload_body())),
        )
        .route(
            "/api/v1/releases/{id}",
            get(show).patch(super::edit::patch).delete(remove),
        )
        .route("/api/v1/releases/{id}/torrent", get(torrent))
        .route("/api/v1/releases/{id}/status", post(set_status))
}

#[derive(Debug, Serialize)]
struct ListJson {
    page: u32,
    per_page: u32,
    /// At least this many; exact when `total_exact`, else the count
    /// stopped at `store::TOTAL_CAP`.
    total: u64,
    total_exact: bool,
    releases: Vec<ReleaseJson>,
}

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

async fn upload(
    State(state): State<PortalState>,
    visitor: Visitor,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let user = visitor.require_user()?;
    let uploaded = upload::receive(&state, user, &headers, multipart).await?;
    let hashes = uploaded.hashes;
    let body = serde_json::json!({
        "id": uploaded.id,
        "info_hash": hashes.v1().map(|h| h.to_hex()).or_else(|| hashes.v2().map(|h| h.to_hex())),
        "info_hash_v2": hashes.v2().map(|h| h.to_hex()),
        "status": uploaded.status.as_str(),
    });
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/releases/{}", uploaded.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

#[derive(Debug, Serialize)]
pub(crate) struct ReleaseDetailJson {
    #[serde(flatten)]
    release: ReleaseJson,
    description: String,
    description_html: String,
    category_path: Vec<String>,
    uploader: Option<String>,
    private: bool,
    files: Vec<FileJson>,
    tags: Vec<String>,
    /// With the caller's passkey; `null` for anonymous callers unless
    /// anonymous magnets are allowed.
    magnet: Option<String>,
}

#[derive(Debug, Serialize)]
struct FileJson {
    path: String,
    length: u64,
}

async fn show(
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Json<ReleaseDetailJson>, WebError> {
    let user = visitor.user.as_ref();
    let release = visible_release(&state, user, parse_id(&id)?).await?;
    Ok(Json(detail(&state, user, &release).await?))
}

/// A release as `GET /api/v1/releases/{id}` shows it to `user`.
pub(crate) async fn detail(
    state: &PortalState,
    user: Option<&store::User>,
    release: &store::Release,
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
        magnet: magnet(state, user, release)?,
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
    let bytes = personal_torrent(state, user, &release).await?;
    let disposition = content_disposition(&torrent_file_name(&release));
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-bittorrent"),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // It carries the member's passkey: no shared cache may keep it.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

async fn torrent(
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    torrent_response(&state, &visitor, &id).await
}

#[derive(Debug, Deserialize)]
struct StatusInput {
    status: String,
}

/// Sets a release's status; staff only.
pub(crate) async fn change_status(
    state: &PortalState,
    visitor: &Visitor,
    id: &str,
    status: &str,
) -> Result<i64, WebError> {
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
    Ok(id)
}

async fn set_status(
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Body(input): Body<StatusInput>,
) -> Result<Response, WebError> {
    let id = change_status(&state, &visitor, &id, &input.status).await?;
    Ok(Json(serde_json::json!({ "id": id, "status": input.status })).into_response())
}

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
    super::listing::unlist(&state, &hashes);
    Ok(StatusCode::NO_CONTENT.into_response())
}
