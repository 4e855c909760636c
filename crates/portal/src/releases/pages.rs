//! The release pages: `/releases` (browse and search, see `browse`),
//! `/releases/{id}` (the release, its files, swarm, magnet, comments),
//! `/releases/{id}/download`, `/upload`, `/moderation`, and the forms
//! that comment, hide comments and change a release's status (its
//! freeleech form posts to `freeleech`).

use super::api::{change_status, torrent_response};
use super::browse::{ListQuery, PER_PAGE, listing, query_params};
use super::categories::CategoryTree;
use super::upload::{self, MAX_TITLE_CHARS};
use super::view::{
    category_name, counts, hashes, human_size, is_staff, magnet, parse_id, visible_release,
};
use crate::PortalState;
use crate::control_chars::{TABS_AND_LINE_BREAKS, has_control_except};
use crate::error::WebError;
use crate::extract::Form;
use crate::i18n::Text;
use crate::legal_block::{DownloadAllowed, MayDownload};
use crate::pages::{Page, date, render, status_text};
use crate::session::Visitor;
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Router, routing::get, routing::post};
use serde::Deserialize;
use store::{ReleaseQuery, ReleaseSort, ReleaseStatus};

pub fn router(state: &PortalState) -> Router<PortalState> {
    Router::new()
        .route("/releases", get(list))
        .route("/releases/{id}", get(show))
        .route("/releases/{id}/download", get(download))
        .route("/releases/{id}/comments", post(comment))
        .route("/releases/{id}/status", post(status))
        .route("/comments/{id}/hidden", post(hide_comment))
        .route(
            "/upload",
            get(upload_form)
                .post(upload)
                .layer(DefaultBodyLimit::max(state.releases.max_upload_body())),
        )
        .route("/moderation", get(moderation))
}

pub(crate) struct Row {
    pub id: i64,
    pub title: String,
    pub category: String,
    pub size: String,
    pub seeders: u64,
    pub leechers: u64,
    pub added: String,
    pub freeleech: bool,
}

pub(crate) struct CategoryOption {
    pub key: String,
    /// Indented by depth.
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "releases.html")]
struct ListPage {
    page: Page,
    heading: &'static str,
    rows: Vec<Row>,
    categories: Vec<CategoryOption>,
    /// The form's fields as given.
    form: ListQuery,
    /// `(value, label, selected)` of each order.
    sorts: Vec<(&'static str, &'static str, bool)>,
    /// Staff may list any status: `(value, label, selected)`.
    statuses: Vec<(&'static str, &'static str, bool)>,
    total: u64,
    /// False when the count stopped at `store::TOTAL_CAP`: "10000+".
    total_exact: bool,
    /// Query string for the previous and next pages, when they exist.
    prev: Option<String>,
    next: Option<String>,
    /// The moderation queue: rows carry status buttons.
    moderation: bool,
    /// This search's RSS feed, public and (for a member) with their
    /// passkey (see `crate::feeds`).
    feed: String,
    keyed_feed: Option<String>,
}

pub(crate) fn rows(
    state: &PortalState,
    visitor: &Visitor,
    tree: &CategoryTree,
    page: &store::ReleasePage,
) -> Result<Vec<Row>, WebError> {
    page.releases
        .iter()
        .map(|r| {
            let c = counts(state, &hashes(r)?);
            Ok(Row {
                id: r.id,
                title: r.title.clone(),
                category: tree
                    .path(r.category_id)
                    .iter()
                    .map(|c| category_name(c, visitor.lang))
                    .collect::<Vec<_>>()
                    .join(" / "),
                size: human_size(r.size),
                seeders: c.seeders,
                leechers: c.leechers,
                added: date(r.created_at),
                freeleech: r.freeleech,
            })
        })
        .collect()
}

pub(crate) fn category_options(
    tree: &CategoryTree,
    visitor: &Visitor,
    selected: Option<&str>,
) -> Vec<CategoryOption> {
    let selected = selected.and_then(|k| tree.find(k)).map(|c| c.id);
    tree.flattened()
        .into_iter()
        .map(|(depth, c)| CategoryOption {
            key: c.slug.clone(),
            label: format!(
                "{}{}",
                "\u{a0}\u{a0}".repeat(depth),
                category_name(c, visitor.lang)
            ),
            selected: Some(c.id) == selected,
        })
        .collect()
}

fn sort_text(t: &Text, sort: ReleaseSort) -> &'static str {
    match sort {
        ReleaseSort::Date => t.sort_date(),
        ReleaseSort::Seeders => t.sort_seeders(),
        ReleaseSort::Size => t.sort_size(),
        ReleaseSort::Name => t.sort_name(),
    }
}

async fn list(
    State(state): State<PortalState>,
    visitor: Visitor,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let query = query_params(query)?;
    let tree = CategoryTree::load(&state).await?;
    let mut categories = Vec::new();
    let user = visitor.user.as_ref();
    let listing = listing(&tree, &query, user, &mut categories)?;
    let found = state.store.list_releases(&listing).await?;
    let page_no = query.page();
    let more = u64::from(page_no) * u64::from(PER_PAGE) < found.total;
    let t = visitor.lang.text();
    let statuses = if is_staff(user) {
        ReleaseStatus::ALL
            .into_iter()
            .map(|s| (s.as_str(), status_text(&t, s), Some(s) == listing.status))
            .collect()
    } else {
        Vec::new()
    };
    let mut page = visitor.page();
    // The listing's own form searches; the header's box would repeat it.
    page.header_search = false;
    let html = render(&ListPage {
        page,
        heading: t.releases_title(),
        rows: rows(&state, &visitor, &tree, &found)?,
        categories: category_options(&tree, &visitor, query.category.as_deref()),
        sorts: ReleaseSort::ALL
            .into_iter()
            .map(|s| (s.as_str(), sort_text(&t, s), s == listing.sort))
            .collect(),
        statuses,
        total: found.total,
        total_exact: found.total_exact,
        prev: (page_no > 1).then(|| query.link(page_no - 1)),
        next: more.then(|| query.link(page_no + 1)),
        form: query.clone(),
        moderation: false,
        feed: crate::feeds::feed_url(&query, None),
        keyed_feed: user.map(|u| crate::feeds::feed_url(&query, Some(u))),
    });
    Ok(Html(html).into_response())
}

async fn moderation(
    State(state): State<PortalState>,
    visitor: Visitor,
) -> Result<Response, WebError> {
    if !is_staff(Some(visitor.require_user()?)) {
        return Err(WebError::Forbidden);
    }
    let tree = CategoryTree::load(&state).await?;
    let found = state
        .store
        .list_releases(&ReleaseQuery {
            status: Some(ReleaseStatus::Pending),
            per_page: 200,
            ..ReleaseQuery::default()
        })
        .await?;
    let html = render(&ListPage {
        page: visitor.page(),
        heading: visitor.lang.text().moderation_title(),
        rows: rows(&state, &visitor, &tree, &found)?,
        categories: Vec::new(),
        form: ListQuery::default(),
        sorts: Vec::new(),
        statuses: Vec::new(),
        total: found.total,
        total_exact: found.total_exact,
        prev: None,
        next: None,
        moderation: true,
        feed: String::new(),
        keyed_feed: None,
    });
    Ok(Html(html).into_response())
}

pub(crate) struct FileRow {
    pub path: String,
    pub size: String,
}

pub(crate) struct CommentRow {
    pub id: i64,
    pub author: String,
    pub date: String,
    pub body: String,
    pub hidden: bool,
}

#[derive(Template)]
#[template(path = "release.html")]
struct ReleasePage {
    page: Page,
    id: i64,
    title: String,
    description_html: String,
    category_path: Vec<(String, String)>,
    size: String,
    files: Vec<FileRow>,
    tags: Vec<String>,
    info_hash_v1: Option<String>,
    info_hash_v2: Option<String>,
    magnet: Option<String>,
    seeders: u64,
    leechers: u64,
    completed: u64,
    uploader: String,
    added: String,
    status: &'static str,
    approved: bool,
    freeleech: bool,
    logged_in: bool,
    staff: bool,
    /// The visitor may edit it (see `edit`).
    editable: bool,
    statuses: Vec<(&'static str, &'static str)>,
    comments: Vec<CommentRow>,
}

async fn show(
    State(state): State<PortalState>,
    visitor: Visitor,
    may: MayDownload,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let user = visitor.user.as_ref();
    let release = visible_release(&state, user, parse_id(&id)?).await?;
    let tree = CategoryTree::load(&state).await?;
    let t = visitor.lang.text();
    let staff = is_staff(user);
    let hashes = hashes(&release)?;
    let c = counts(&state, &hashes);
    let files = state.store.release_files(release.id).await?;
    let comments = state.store.comments(release.id, staff).await?;
    let html = render(&ReleasePage {
        page: visitor.page(),
        id: release.id,
        title: release.title.clone(),
        description_html: super::markdown::render(&release.description_md),
        category_path: tree
            .path(release.category_id)
            .iter()
            .map(|c| (c.slug.clone(), category_name(c, visitor.lang).to_owned()))
            .collect(),
        size: human_size(release.size),
        files: files
            .into_iter()
            .map(|f| FileRow {
                path: f.path,
                size: human_size(f.length),
            })
            .collect(),
        tags: state.store.release_tags(release.id).await?,
        info_hash_v1: hashes.v1().map(|h| h.to_hex()),
        info_hash_v2: hashes.v2().map(|h| h.to_hex()),
        magnet: magnet(&state, user, &release, may)?,
        seeders: c.seeders,
        leechers: c.leechers,
        completed: c.completed,
        uploader: release
            .uploader
            .clone()
            .unwrap_or_else(|| t.deleted_account().to_owned()),
        added: date(release.created_at),
        status: status_text(&t, release.status),
        approved: release.status == ReleaseStatus::Approved,
        freeleech: release.freeleech,
        logged_in: user.is_some(),
        staff,
        editable: user.is_some_and(|u| super::edit::may_edit(u, &release)),
        statuses: ReleaseStatus::ALL
            .into_iter()
            .map(|s| (s.as_str(), status_text(&t, s)))
            .collect(),
        comments: comments
            .into_iter()
            .map(|c| CommentRow {
                id: c.id,
                author: c.username.unwrap_or_else(|| t.deleted_account().to_owned()),
                date: date(c.created_at),
                body: c.body,
                hidden: c.hidden,
            })
            .collect(),
    });
    Ok(Html(html).into_response())
}

async fn download(
    _: DownloadAllowed,
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    torrent_response(&state, &visitor, &id).await
}

#[derive(Deserialize)]
struct CommentForm {
    #[serde(default)]
    body: String,
}

const MAX_COMMENT_CHARS: usize = 10_000;

async fn comment(
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<CommentForm>,
) -> Result<Response, WebError> {
    let user = visitor.require_user()?;
    let release = visible_release(&state, Some(user), parse_id(&id)?).await?;
    let body = form.body.trim();
    if body.is_empty()
        || body.chars().count() > MAX_COMMENT_CHARS
        || has_control_except(body, TABS_AND_LINE_BREAKS)
    {
        return Err(WebError::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_comment",
            Text::error_invalid_comment,
        ));
    }
    state
        .store
        .add_comment(release.id, user.id, body, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/releases/{}#comments", release.id)).into_response())
}

#[derive(Deserialize)]
struct HideForm {
    #[serde(default)]
    hidden: String,
}

async fn hide_comment(
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<HideForm>,
) -> Result<Response, WebError> {
    if !is_staff(Some(visitor.require_user()?)) {
        return Err(WebError::Forbidden);
    }
    let hidden = form.hidden != "0";
    let release = state
        .store
        .set_comment_hidden(parse_id(&id)?, hidden)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(Redirect::to(&format!("/releases/{release}#comments")).into_response())
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    status: String,
    /// Where to go back to: the moderation queue or the release.
    #[serde(default)]
    back: String,
}

async fn status(
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, WebError> {
    let (id, _) = change_status(&state, &visitor, &id, &form.status).await?;
    let to = if form.back == "moderation" {
        "/moderation".to_owned()
    } else {
        format!("/releases/{id}")
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage {
    page: Page,
    categories: Vec<CategoryOption>,
    max_title: usize,
    max_size: String,
    trusted: bool,
}

async fn upload_form(
    State(state): State<PortalState>,
    visitor: Visitor,
) -> Result<Response, WebError> {
    let user = visitor.require_user()?;
    let tree = CategoryTree::load(&state).await?;
    let html = render(&UploadPage {
        page: visitor.page(),
        categories: category_options(&tree, &visitor, None),
        max_title: MAX_TITLE_CHARS,
        max_size: human_size(state.releases.max_torrent_bytes as u64),
        trusted: super::view::is_trusted(user.role),
    });
    Ok(Html(html).into_response())
}

async fn upload(
    State(state): State<PortalState>,
    visitor: Visitor,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let user = visitor.require_user()?;
    let uploaded = upload::receive(&state, user, &headers, multipart).await?;
    Ok(Redirect::to(&format!("/releases/{}", uploaded.id)).into_response())
}
