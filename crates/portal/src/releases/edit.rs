//! Editing a release's title, description, category and tags:
//! `GET/POST /releases/{id}/edit` (the form) and
//! `PATCH /api/v1/releases/{id}` (JSON; absent fields keep their value).
//! The .torrent file is not editable: different content is a new
//! release.
//!
//! Who may edit ([`may_edit`]): moderators and admins always; the
//! uploader while the release is pending or needs fixing. An uploader's
//! edit of a release that needs fixing sends it back to the moderation
//! queue (`pending`). The store checks the status again in the same
//! statement ([`store::ReleaseEdit::only_in`]), so a moderator's decision
//! made while the form was open wins. A release the visitor may not see
//! is a 404, one they see but may not edit a 403.
//!
//! The row, the tags and the search document change in one transaction
//! ([`store::Store::update_release`]): a refused or failed edit changes
//! nothing. Refusals are the upload's: `invalid_title`, `invalid_tags`
//! and `invalid_description` (422), `field_too_large` (413),
//! `unknown_category` (422), and the body errors of [`crate::extract`].

use super::api::ReleaseDetailJson;
use super::categories::CategoryTree;
use super::pages::{CategoryOption, category_options};
use super::upload::{MAX_TITLE_CHARS, check_description, normalize_title, parse_tags};
use super::view::{is_staff, parse_id, visible_release};
use crate::PortalState;
use crate::error::{ApiError, WebError};
use crate::extract::{Form, Json as Body};
use crate::i18n::Text;
use crate::legal_block::MayDownload;
use crate::pages::{Page, render};
use crate::session::Visitor;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use axum::{Router, routing::get};
use serde::Deserialize;
use store::{Release, ReleaseEdit, ReleaseStatus, StoreError, User};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> Router<PortalState> {
    Router::new().route("/releases/{id}/edit", get(edit_form).post(save_form))
}

pub fn api() -> OpenApiRouter<PortalState> {
    OpenApiRouter::new().routes(routes!(patch))
}

/// Statuses in which an uploader may still edit their own release.
const UPLOADER_EDITABLE: &[ReleaseStatus] = &[ReleaseStatus::Pending, ReleaseStatus::NeedsFix];

/// Whether `user` may edit `release` now.
pub(crate) fn may_edit(user: &User, release: &Release) -> bool {
    is_staff(Some(user))
        || (release.uploader_id == Some(user.id) && UPLOADER_EDITABLE.contains(&release.status))
}

/// The release `id` if `visitor` may edit it: 401, 404 or 403 otherwise.
async fn editable_release<'v>(
    state: &PortalState,
    visitor: &'v Visitor,
    id: &str,
) -> Result<(&'v User, Release), WebError> {
    let user = visitor.require_user()?;
    let release = visible_release(state, Some(user), parse_id(id)?).await?;
    if !may_edit(user, &release) {
        return Err(WebError::Forbidden);
    }
    Ok((user, release))
}

/// New values, checked.
struct Checked {
    title: String,
    description: String,
    category_id: i64,
    tags: Vec<String>,
}

fn check(
    tree: &CategoryTree,
    title: &str,
    description: &str,
    category: &str,
    tags: &str,
) -> Result<Checked, WebError> {
    let title = normalize_title(title)?;
    check_description(description)?;
    let tags = parse_tags(tags)?;
    let category = tree.find(category).ok_or_else(unknown_category)?;
    Ok(Checked {
        title,
        description: description.to_owned(),
        category_id: category.id,
        tags,
    })
}

fn unknown_category() -> WebError {
    WebError::refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_category",
        Text::error_unknown_category,
    )
}

/// Stores the edit, as staff or as the uploader.
async fn save(
    state: &PortalState,
    user: &User,
    id: i64,
    checked: &Checked,
) -> Result<(), WebError> {
    let staff = is_staff(Some(user));
    let edit = ReleaseEdit {
        title: &checked.title,
        description_md: &checked.description,
        category_id: checked.category_id,
        tags: &checked.tags,
        only_in: if staff { &[] } else { UPLOADER_EDITABLE },
        resubmit: !staff,
    };
    match state.store.update_release(id, &edit).await {
        Ok(true) => Ok(()),
        // Deleted, or moderated out of the uploader's reach, meanwhile.
        Ok(false) => match state.store.release(id).await? {
            None => Err(WebError::NotFound),
            Some(_) => Err(WebError::Forbidden),
        },
        // The category was deleted meanwhile.
        Err(StoreError::Missing(_)) => Err(unknown_category()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "edit_release.html")]
struct EditPage {
    page: Page,
    id: i64,
    title: String,
    description: String,
    tags: String,
    categories: Vec<CategoryOption>,
    max_title: usize,
    /// Saving sends the release back to the moderators.
    resubmits: bool,
    error: Option<String>,
}

#[derive(Default, Deserialize)]
struct EditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    tags: String,
}

fn edit_page(
    visitor: &Visitor,
    tree: &CategoryTree,
    user: &User,
    release: &Release,
    form: EditForm,
    error: Option<(StatusCode, String)>,
) -> Response {
    let html = render(&EditPage {
        page: visitor.page(),
        id: release.id,
        title: form.title,
        description: form.description,
        tags: form.tags,
        categories: category_options(tree, visitor, Some(&form.category)),
        max_title: MAX_TITLE_CHARS,
        resubmits: !is_staff(Some(user)) && release.status == ReleaseStatus::NeedsFix,
        error: error.as_ref().map(|(_, message)| message.clone()),
    });
    let status = error.map_or(StatusCode::OK, |(status, _)| status);
    (status, Html(html)).into_response()
}

async fn edit_form(
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (user, release) = editable_release(&state, &visitor, &id).await?;
    let tree = CategoryTree::load(&state).await?;
    let form = EditForm {
        category: tree
            .get(release.category_id)
            .map(|c| c.slug.clone())
            .unwrap_or_default(),
        tags: state.store.release_tags(release.id).await?.join(", "),
        title: release.title.clone(),
        description: release.description_md.clone(),
    };
    Ok(edit_page(&visitor, &tree, user, &release, form, None))
}

async fn save_form(
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<EditForm>,
) -> Result<Response, WebError> {
    let (user, release) = editable_release(&state, &visitor, &id).await?;
    let tree = CategoryTree::load(&state).await?;
    let checked = check(
        &tree,
        &form.title,
        &form.description,
        &form.category,
        &form.tags,
    );
    let result = match checked {
        Ok(checked) => save(&state, user, release.id, &checked).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/releases/{}", release.id)).into_response()),
        // A refusal the member can fix: the form again, with what they
        // typed and why it was refused.
        Err(WebError::Refused {
            status,
            message,
            detail,
            ..
        }) => {
            let t = visitor.lang.text();
            let message = match detail {
                Some(detail) => format!("{} {detail}", message(&t)),
                None => message(&t).to_owned(),
            };
            Ok(edit_page(
                &visitor,
                &tree,
                user,
                &release,
                form,
                Some((status, message)),
            ))
        }
        Err(e) => Err(e),
    }
}

/// `PATCH /api/v1/releases/{id}`: any of these; absent (or null) ones
/// keep their value. Unknown fields are refused (400 `invalid_json`), so
/// a typo is not silently ignored.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ReleaseEdit)]
pub(crate) struct EditJson {
    /// At most 300 characters.
    title: Option<String>,
    /// Markdown, at most 64 KiB, without control characters other than
    /// tabs and line breaks.
    description: Option<String>,
    /// A category's slug, or its id as a string.
    #[schema(example = "software-linux")]
    category: Option<String>,
    /// At most 20, of at most 40 characters each; replaces them all.
    tags: Option<Vec<String>>,
}

/// Edit a release
///
/// Title, description, category and tags; the .torrent is not editable.
/// Staff edit any release; its uploader edits it while it is `pending`
/// or `needs_fix`, and an edit of a `needs_fix` one sends it back to
/// `pending`.
#[utoipa::path(
    patch,
    path = "/api/v1/releases/{id}",
    operation_id = "edit_release",
    tag = "releases",
    security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The release's id", minimum = 1)),
    request_body = EditJson,
    responses(
        (status = 200, description = "The release as edited", body = ReleaseDetailJson),
        (status = 400, description = "`invalid_json`: the body is not the JSON described (an \
            unknown field, say)", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid API token or session",
            body = ApiError),
        (status = 403, description = "`forbidden` (neither staff nor the uploader of a release \
            still in moderation), `csrf_failed` (a session without `X-CSRF-Token`)",
            body = ApiError),
        (status = 404, description = "`not_found`: no such release, or not visible to the \
            caller", body = ApiError),
        (status = 413, description = "`too_large` (the body is over 2 MiB), \
            `field_too_large` (the description)", body = ApiError),
        (status = 415, description = "`unsupported_media_type`: the body is not `application/json`",
            body = ApiError),
        (status = 422, description = "`invalid_title`, `invalid_tags`, `invalid_description`, \
            `unknown_category`", body = ApiError),
    )
)]
pub(crate) async fn patch(
    State(state): State<PortalState>,
    visitor: Visitor,
    may: MayDownload,
    Path(id): Path<String>,
    Body(input): Body<EditJson>,
) -> Result<Response, WebError> {
    let (user, release) = editable_release(&state, &visitor, &id).await?;
    let tree = CategoryTree::load(&state).await?;
    // By slug: an id in text could also be some category's slug.
    let category = match input.category {
        Some(key) => key,
        None => tree
            .get(release.category_id)
            .map(|c| c.slug.clone())
            .unwrap_or_default(),
    };
    let tags = match input.tags {
        Some(tags) => tags.join(","),
        None => state.store.release_tags(release.id).await?.join(","),
    };
    let checked = check(
        &tree,
        input.title.as_deref().unwrap_or(&release.title),
        input
            .description
            .as_deref()
            .unwrap_or(&release.description_md),
        &category,
        &tags,
    )?;
    save(&state, user, release.id, &checked).await?;
    let edited = visible_release(&state, Some(user), release.id).await?;
    Ok(Json(super::api::detail(&state, Some(user), &edited, may).await?).into_response())
}
