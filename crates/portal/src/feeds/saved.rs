//! Saved searches: `POST /searches` saves the listing's current search
//! (the form on `/releases`: a name and the listing's fields) and `POST
//! /searches/{id}/delete` removes one; the profile lists them with their
//! feeds (`/rss/saved/<token>`, see `rss`).
//!
//! What is saved is [`feed_query`] of the search: the fields a feed
//! follows, never `status` (feeds list approved releases only) or
//! `page`. The search is checked as the listing would run it, so an
//! unknown category or a size that does not parse is refused when it is
//! saved, not later in the feed. Limits: `store::save_search`.

use crate::PortalState;
use crate::error::WebError;
use crate::extract::Form;
use crate::i18n::Text;
use crate::releases::{CategoryTree, ListQuery, listing, parse_id};
use crate::session::{Visitor, random_hex};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Router, routing::post};
use serde::Deserialize;
use store::{NewSavedSearch, SaveSearchError, StoreError, User};

pub fn router() -> Router<PortalState> {
    Router::new()
        .route("/searches", post(save))
        .route("/searches/{id}/delete", post(delete))
}

/// Where the profile lists saved searches.
const PROFILE_SECTION: &str = "/profile#saved-searches";

/// The query string a feed of `query` follows: `q`, `category`,
/// `min_size`, `max_size`, `since` and `sort` as given, blanks left out.
pub(crate) fn feed_query(query: &ListQuery) -> String {
    ListQuery {
        status: None,
        ..query.clone()
    }
    .query_string(None)
}

/// The path of `query`'s feed (`/rss?...`), with `member`'s passkey as
/// its key when given.
pub(crate) fn feed_url(query: &ListQuery, member: Option<&User>) -> String {
    let mut search = feed_query(query);
    if let Some(member) = member {
        if !search.is_empty() {
            search.push('&');
        }
        search.push_str("passkey=");
        search.push_str(member.passkey.expose());
    }
    if search.is_empty() {
        "/rss".to_owned()
    } else {
        format!("/rss?{search}")
    }
}

/// The listing query a saved query string stands for.
pub(crate) fn parse_feed_query(saved: &str) -> Result<ListQuery, WebError> {
    let query: ListQuery = serde_urlencoded::from_str(saved).map_err(|_| WebError::Invalid)?;
    Ok(ListQuery {
        status: None,
        page: None,
        ..query
    })
}

/// One saved search on the profile.
#[derive(Debug)]
pub(crate) struct SavedSearchRow {
    pub id: i64,
    pub name: String,
    /// The listing it repeats: `/releases?...`.
    pub listing: String,
    /// Its feed, public (links to release pages only).
    pub feed: String,
    /// Its feed with the member's passkey (downloads without a cookie).
    pub keyed_feed: String,
}

pub(crate) async fn saved_search_rows(
    state: &PortalState,
    user: &User,
) -> Result<Vec<SavedSearchRow>, WebError> {
    Ok(state
        .store
        .saved_searches(user.id)
        .await?
        .into_iter()
        .map(|s| {
            let feed = format!("/rss/saved/{}", s.feed_token);
            SavedSearchRow {
                id: s.id,
                name: s.name,
                listing: format!("/releases?{}", s.query),
                keyed_feed: format!("{feed}?passkey={}", user.passkey.expose()),
                feed,
            }
        })
        .collect())
}

#[derive(Deserialize)]
struct SaveForm {
    #[serde(default)]
    name: String,
    q: Option<String>,
    category: Option<String>,
    min_size: Option<String>,
    max_size: Option<String>,
    since: Option<String>,
    sort: Option<String>,
}

async fn save(
    State(state): State<PortalState>,
    visitor: Visitor,
    Form(form): Form<SaveForm>,
) -> Result<Response, WebError> {
    let user = visitor.require_user()?;
    let query = ListQuery {
        q: form.q,
        category: form.category,
        min_size: form.min_size,
        max_size: form.max_size,
        since: form.since,
        sort: form.sort,
        status: None,
        page: None,
    };
    let tree = CategoryTree::load(&state).await?;
    let mut categories = Vec::new();
    listing(&tree, &query, Some(user), &mut categories)?;
    let token = random_hex(16);
    let saved = state
        .store
        .save_search(&NewSavedSearch {
            user_id: user.id,
            name: &form.name,
            query: &feed_query(&query),
            feed_token: &token,
            created_at: state.clock.now(),
        })
        .await;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    match saved {
        Ok(_) => Ok(Redirect::to(PROFILE_SECTION).into_response()),
        Err(SaveSearchError::TooMany) => Err(WebError::refused(
            unprocessable,
            "too_many_saved_searches",
            Text::error_too_many_saved_searches,
        )),
        Err(SaveSearchError::Name) => Err(WebError::refused(
            unprocessable,
            "invalid_search_name",
            Text::error_saved_search_name,
        )),
        Err(SaveSearchError::Query) => Err(WebError::refused(
            unprocessable,
            "search_too_long",
            Text::error_saved_search_too_long,
        )),
        Err(SaveSearchError::Store(StoreError::Conflict("name"))) => Err(WebError::refused(
            StatusCode::CONFLICT,
            "search_name_taken",
            Text::error_saved_search_name_taken,
        )),
        Err(SaveSearchError::Store(e)) => Err(e.into()),
    }
}

async fn delete(
    State(state): State<PortalState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let user = visitor.require_user()?;
    if !state
        .store
        .delete_saved_search(user.id, parse_id(&id)?)
        .await?
    {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to(PROFILE_SECTION).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_follows_the_search_fields_only() {
        let query = ListQuery {
            q: Some(" ёлки & palki ".into()),
            category: Some("movies".into()),
            min_size: Some("".into()),
            status: Some("pending".into()),
            page: Some(3),
            sort: Some("size".into()),
            ..ListQuery::default()
        };
        let saved = feed_query(&query);
        assert_eq!(
            saved,
            "q=%D1%91%D0%BB%D0%BA%D0%B8+%26+palki&category=movies&sort=size"
        );
        let back = parse_feed_query(&saved).unwrap();
        assert_eq!(back.q.as_deref(), Some("ёлки & palki"));
        assert_eq!((back.status, back.page), (None, None));
        assert!(parse_feed_query("page=abc").is_err());
    }
}
