//! The category tree: looking categories up by slug or id, their paths
//! and sub-trees, `GET /api/v1/categories`, and the admin API that edits
//! the tree (`POST /api/v1/categories`, `PUT` and `DELETE
//! /api/v1/categories/{id}`).

use super::view::parse_id;
use crate::PortalState;
use crate::error::WebError;
use crate::extract::Json as Body;
use crate::i18n::{Lang, Text};
use crate::session::Visitor;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::{Router, routing::get, routing::put};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use store::{Category, NewCategory, Role, StoreError};

pub fn router() -> Router<PortalState> {
    Router::new()
        .route("/api/v1/categories", get(list).post(create))
        .route("/api/v1/categories/{id}", put(update).delete(remove))
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

#[derive(Debug, Serialize)]
struct CategoryJson {
    id: i64,
    slug: String,
    /// In the visitor's language.
    name: String,
    name_en: String,
    name_ru: String,
    position: i64,
    children: Vec<CategoryJson>,
}

async fn list(
    State(state): State<PortalState>,
    visitor: Visitor,
) -> Result<Json<Vec<CategoryJson>>, WebError> {
    let tree = CategoryTree::load(&state).await?;
    Ok(Json(tree.json(None, visitor.lang, 0)))
}

#[derive(Debug, Deserialize)]
struct CategoryInput {
    /// The parent's slug or id; absent for a top-level category.
    parent: Option<String>,
    slug: String,
    name_en: String,
    name_ru: String,
    #[serde(default)]
    position: i64,
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
    let name_ok = |n: &str| (1..=100).contains(&n.trim().chars().count());
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
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

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
