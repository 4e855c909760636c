//! The category tree: looking categories up by slug or id, their paths
//! and sub-trees, `GET /api/v1/categories`, and the admin API that edits
//! the tree (`POST /api/v1/categories`, `PUT` and `DELETE
//! /api/v1/categories/{id}`).

use super::view::parse_id;
use crate::PortalState;
use crate::control_chars::has_control_except;
use crate::error::{ApiError, WebError};
use crate::extract::Json as Body;
use crate::i18n::{Lang, Text};
use crate::session::Visitor;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use store::{Category, NewCategory, Role, StoreError};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn api() -> OpenApiRouter<PortalState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update, remove))
}

/// Every category, indexed.
#[derive(Debug)]
pub(crate) struct CategoryTree {
    /// In display order (position, id).
    all: Vec<Category>,
    by_id: HashMap<i64, usize>,
}

impl CategoryTree {
    pub(crate) async fn load(state: &PortalState) -> Result<Self, WebError> {
        let all = state.store.categories().await?;
        let by_id = all.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        Ok(Self { all, by_id })
    }

    pub(crate) fn get(&self, id: i64) -> Option<&Category> {
        self.by_id.get(&id).map(|&i| &self.all[i])
    }

    /// By slug, or by numeric id.
    pub(crate) fn find(&self, key: &str) -> Option<&Category> {
        let key = key.trim();
        self.all
            .iter()
            .find(|c| c.slug == key)
            .or_else(|| key.parse().ok().and_then(|id| self.get(id)))
    }

    pub(crate) fn children(&self, parent: Option<i64>) -> impl Iterator<Item = &Category> {
        self.all.iter().filter(move |c| c.parent_id == parent)
    }

    /// From the top-level category down to `id`.
    pub(crate) fn path(&self, id: i64) -> Vec<&Category> {
        let mut path = Vec::new();
        let mut next = self.get(id);
        // The length bound stops a cycle an edit might have made.
        while let Some(category) = next.filter(|_| path.len() <= self.all.len()) {
            path.push(category);
            next = category.parent_id.and_then(|p| self.get(p));
        }
        path.reverse();
        path
    }

    /// `id` and every category below it.
    pub(crate) fn subtree(&self, id: i64) -> Vec<i64> {
        let mut out = vec![id];
        let mut i = 0;
        while i < out.len() && out.len() <= self.all.len() {
            let parent = out[i];
            out.extend(self.children(Some(parent)).map(|c| c.id));
            i += 1;
        }
        out
    }

    /// Every category with its depth, depth-first in display order: for
    /// `<select>` lists and menus.
    pub(crate) fn flattened(&self) -> Vec<(usize, &Category)> {
        fn walk<'a>(
            tree: &'a CategoryTree,
            parent: Option<i64>,
            depth: usize,
            out: &mut Vec<(usize, &'a Category)>,
        ) {
            if depth > tree.all.len() {
                return;
            }
            for c in tree.children(parent) {
                out.push((depth, c));
                walk(tree, Some(c.id), depth + 1, out);
            }
        }
        let mut out = Vec::new();
        walk(self, None, 0, &mut out);
        out
    }

    fn json(&self, parent: Option<i64>, lang: Lang, depth: usize) -> Vec<CategoryJson> {
        if depth > self.all.len() {
            return Vec::new();
        }
        self.children(parent)
            .map(|c| CategoryJson {
                id: c.id,
                slug: c.slug.clone(),
                name: super::view::category_name(c, lang).to_owned(),
                name_en: c.name_en.clone(),
                name_ru: c.name_ru.clone(),
                position: c.position,
                children: self.json(Some(c.id), lang, depth + 1),
            })
            .collect()
    }
}

/// A category with its sub-categories.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Category)]
struct CategoryJson {
    id: i64,
    slug: String,
    /// In the visitor's language.
    name: String,
    name_en: String,
    name_ru: String,
    /// Order among its siblings, smallest first.
    position: i64,
    #[schema(no_recursion)]
    children: Vec<CategoryJson>,
}

/// The category tree
///
/// Top-level categories in display order, each with its sub-categories.
#[utoipa::path(
    get,
    path = "/api/v1/categories",
    operation_id = "list_categories",
    tag = "categories",
    security((), ("bearer" = []), ("session" = [])),
    responses((status = 200, description = "The tree", body = Vec<CategoryJson>))
)]
async fn list(
    State(state): State<PortalState>,
    visitor: Visitor,
) -> Result<Json<Vec<CategoryJson>>, WebError> {
    let tree = CategoryTree::load(&state).await?;
    Ok(Json(tree.json(None, visitor.lang, 0)))
}

/// A category as created or replaced.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = CategoryInput)]
struct CategoryInput {
    /// The parent's slug or id; absent, null or empty for a top-level
    /// category.
    #[schema(example = "software")]
    parent: Option<String>,
    /// 1 to 64 of `a-z`, `0-9` and `-`; unique.
    #[schema(example = "software-bsd", pattern = "^[a-z0-9-]{1,64}$")]
    slug: String,
    /// 1 to 100 characters, none of them control characters.
    #[schema(example = "BSD", min_length = 1, max_length = 100)]
    name_en: String,
    /// Likewise.
    #[schema(example = "BSD-системы", min_length = 1, max_length = 100)]
    name_ru: String,
    /// Order among its siblings, smallest first; 0 when absent.
    #[serde(default)]
    position: i64,
}

/// A category just created.
#[derive(Debug, Serialize, ToSchema)]
struct CreatedJson {
    id: i64,
}

fn require_admin(visitor: &Visitor) -> Result<(), WebError> {
    match visitor.require_user()?.role {
        Role::Admin => Ok(()),
        _ => Err(WebError::Forbidden),
    }
}

fn invalid(message: fn(&Text) -> &'static str) -> WebError {
    WebError::refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_category",
        message,
    )
}

/// Checks the input against the tree; `id` is the category being
/// edited, which may not become its own descendant.
fn validate<'a>(
    tree: &CategoryTree,
    input: &'a CategoryInput,
    id: Option<i64>,
) -> Result<NewCategory<'a>, WebError> {
    let slug_ok = (1..=64).contains(&input.slug.len())
        && input
            .slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    // Control characters have no place in a name, and a NUL would end
    // it early for SQLite's length() and be refused by PostgreSQL.
    let name_ok =
        |n: &str| (1..=100).contains(&n.trim().chars().count()) && !has_control_except(n, &[]);
    if !slug_ok {
        return Err(invalid(Text::error_category_slug));
    }
    if !name_ok(&input.name_en) || !name_ok(&input.name_ru) {
        return Err(invalid(Text::error_category_name));
    }
    let parent_id = match input.parent.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(key) => {
            let parent = tree.find(key).ok_or_else(|| {
                WebError::refused(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_category",
                    Text::error_unknown_category,
                )
            })?;
            if id.is_some_and(|id| tree.path(parent.id).iter().any(|c| c.id == id)) {
                return Err(invalid(Text::error_category_cycle));
            }
            Some(parent.id)
        }
    };
    Ok(NewCategory {
        parent_id,
        slug: &input.slug,
        name_en: input.name_en.trim(),
        name_ru: input.name_ru.trim(),
        position: input.position,
    })
}

fn slug_taken(e: StoreError) -> WebError {
    match e {
        StoreError::Conflict(_) => {
            WebError::refused(StatusCode::CONFLICT, "slug_taken", Text::error_slug_taken)
        }
        other => other.into(),
    }
}

/// Create a category
///
/// Admins only.
#[utoipa::path(
    post,
    path = "/api/v1/categories",
    operation_id = "create_category",
    tag = "categories",
    security(("bearer" = []), ("session" = [])),
    request_body = CategoryInput,
    responses(
        (status = 201, description = "Created", body = CreatedJson),
        (status = 400, description = "`invalid_json`: the body is not the JSON described",
            body = ApiError),
        (status = 401, description = "`unauthorized`: no valid API token or session",
            body = ApiError),
        (status = 403, description = "`forbidden` (not an admin), `csrf_failed` (a session \
            without `X-CSRF-Token`)", body = ApiError),
        (status = 409, description = "`slug_taken`", body = ApiError),
        (status = 413, description = "`too_large`: the body is over 2 MiB", body = ApiError),
        (status = 415, description = "`unsupported_media_type`: the body is not `application/json`",
            body = ApiError),
        (status = 422, description = "`invalid_category` (a bad slug or name), \
            `unknown_category` (no such parent)", body = ApiError),
    )
)]
async fn create(
    State(state): State<PortalState>,
    visitor: Visitor,
    Body(input): Body<CategoryInput>,
) -> Result<Response, WebError> {
    require_admin(&visitor)?;
    let tree = CategoryTree::load(&state).await?;
    let new = validate(&tree, &input, None)?;
    let id = state
        .store
        .create_category(&new)
        .await
        .map_err(slug_taken)?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id })).into_response())
}

/// Replace a category
///
/// Admins only. A category cannot move below itself.
#[utoipa::path(
    put,
    path = "/api/v1/categories/{id}",
    operation_id = "update_category",
    tag = "categories",
    security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The category's id", minimum = 1)),
    request_body = CategoryInput,
    responses(
        (status = 204, description = "Replaced"),
        (status = 400, description = "`invalid_json`: the body is not the JSON described",
            body = ApiError),
        (status = 401, description = "`unauthorized`: no valid API token or session",
            body = ApiError),
        (status = 403, description = "`forbidden` (not an admin), `csrf_failed` (a session \
            without `X-CSRF-Token`)", body = ApiError),
        (status = 404, description = "`not_found`: no such category", body = ApiError),
        (status = 409, description = "`slug_taken`", body = ApiError),
        (status = 413, description = "`too_large`: the body is over 2 MiB", body = ApiError),
        (status = 415, description = "`unsupported_media_type`: the body is not `application/json`",
            body = ApiError),
        (status = 422, description = "`invalid_category` (a bad slug or name, or a parent \
            below the category itself), `unknown_category` (no such parent)", body = ApiError),
    )
)]
async fn update(
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Body(input): Body<CategoryInput>,
) -> Result<Response, WebError> {
    require_admin(&visitor)?;
    let id = parse_id(&id)?;
    let tree = CategoryTree::load(&state).await?;
    tree.get(id).ok_or(WebError::NotFound)?;
    let new = validate(&tree, &input, Some(id))?;
    if !state
        .store
        .update_category(id, &new)
        .await
        .map_err(slug_taken)?
    {
        return Err(WebError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Delete a category
///
/// Admins only; only a category no release and no sub-category uses.
#[utoipa::path(
    delete,
    path = "/api/v1/categories/{id}",
    operation_id = "delete_category",
    tag = "categories",
    security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The category's id", minimum = 1)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "`unauthorized`: no valid API token or session",
            body = ApiError),
        (status = 403, description = "`forbidden` (not an admin), `csrf_failed` (a session \
            without `X-CSRF-Token`)", body = ApiError),
        (status = 404, description = "`not_found`: no such category", body = ApiError),
        (status = 409, description = "`category_in_use`: releases or sub-categories use it",
            body = ApiError),
    )
)]
async fn remove(
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    require_admin(&visitor)?;
    let id = parse_id(&id)?;
    match state.store.delete_category(id).await {
        Ok(true) => Ok(StatusCode::NO_CONTENT.into_response()),
        Ok(false) => Err(WebError::NotFound),
        Err(StoreError::Conflict(_)) => Err(WebError::refused(
            StatusCode::CONFLICT,
            "category_in_use",
            Text::error_category_in_use,
        )),
        Err(e) => Err(e.into()),
    }
}
