//! Saved searches: a member's named listing queries, each with its own
//! RSS feed.
//!
//! The store keeps the query string as the portal normalized it and a
//! feed token the portal drew at random (32 hex characters, unique): the
//! feed's URL names the token, not the row id, so nobody can walk other
//! members' searches by counting. A member holds at most
//! [`MAX_SAVED_SEARCHES_PER_USER`], names unique per member and at most
//! [`MAX_SAVED_SEARCH_NAME_CHARS`] long. The rows leave with the account
//! (`member_data`).

use crate::{Pool, Store, StoreError};

/// Searches one member may keep.
pub const MAX_SAVED_SEARCHES_PER_USER: i64 = 50;
/// Characters of a saved search's name.
pub const MAX_SAVED_SEARCH_NAME_CHARS: usize = 100;
/// Bytes of a saved search's query string.
pub const MAX_SAVED_SEARCH_QUERY_BYTES: usize = 2000;

/// One saved search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedSearch {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The listing's query string without `?` (`q=...&category=...`).
    pub query: String,
    /// Names the search's feed: `/rss/saved/<feed_token>`.
    pub feed_token: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// A search to save.
#[derive(Clone, Copy, Debug)]
pub struct NewSavedSearch<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub query: &'a str,
    pub feed_token: &'a str,
    pub created_at: i64,
}

/// Why [`Store::save_search`] saved nothing.
#[derive(Debug, thiserror::Error)]
pub enum SaveSearchError {
    #[error("the member already keeps {MAX_SAVED_SEARCHES_PER_USER} saved searches")]
    TooMany,
    /// Empty, longer than [`MAX_SAVED_SEARCH_NAME_CHARS`], or with a
    /// control character (PostgreSQL refuses NUL in text, and none of
    /// them belongs in a name).
    #[error(
        "a saved search's name has 1 to {MAX_SAVED_SEARCH_NAME_CHARS} characters, none a control character"
    )]
    Name,
    /// Longer than [`MAX_SAVED_SEARCH_QUERY_BYTES`].
    #[error("a saved search's query has at most {MAX_SAVED_SEARCH_QUERY_BYTES} bytes")]
    Query,
    /// `Conflict("name")`: the member has a search of that name;
    /// `Missing("account")`: there is no such account.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Takes the account row's write lock first in the saving transaction
/// (SQLite: the database's; PostgreSQL: the row's until commit), so two
/// saves at once are serialized and the count below cannot be stale. It
/// changes nothing; no row means no account.
const LOCK_MEMBER: &str = "UPDATE users SET disabled = disabled WHERE id = $1";
const COUNT: &str = "SELECT COUNT(*) FROM saved_searches WHERE user_id = $1";
const INSERT: &str = "INSERT INTO saved_searches (user_id, name, query, feed_token, created_at) \
     VALUES ($1, $2, $3, $4, $5) RETURNING id";
const BY_USER: &str = "SELECT id, user_id, name, query, feed_token, created_at \
     FROM saved_searches WHERE user_id = $1 ORDER BY id";
const BY_TOKEN: &str = "SELECT s.id, s.user_id, s.name, s.query, s.feed_token, s.created_at \
     FROM saved_searches s JOIN users u ON u.id = s.user_id \
     WHERE s.feed_token = $1 AND NOT u.disabled";
const DELETE: &str = "DELETE FROM saved_searches WHERE id = $1 AND user_id = $2";

fn from_row<R>(row: &R) -> Result<SavedSearch, StoreError>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(SavedSearch {
        id: row.try_get(0)?,
        user_id: row.try_get(1)?,
        name: row.try_get(2)?,
        query: row.try_get(3)?,
        feed_token: row.try_get(4)?,
        created_at: row.try_get(5)?,
    })
}

impl Store {
    /// Saves a search and returns its id, in one transaction: refused
    /// when the member keeps [`MAX_SAVED_SEARCHES_PER_USER`] already, when
    /// the name is empty, too long, has a control character or is taken
    /// (`Conflict("name")`), or the query too long. The name is stored
    /// trimmed.
    pub async fn save_search(&self, search: &NewSavedSearch<'_>) -> Result<i64, SaveSearchError> {
        let name = search.name.trim();
        if name.is_empty()
            || name.chars().count() > MAX_SAVED_SEARCH_NAME_CHARS
            || name.chars().any(char::is_control)
        {
            return Err(SaveSearchError::Name);
        }
        if search.query.len() > MAX_SAVED_SEARCH_QUERY_BYTES {
            return Err(SaveSearchError::Query);
        }
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await.map_err(StoreError::from)?;
            let locked = sqlx::query(LOCK_MEMBER)
                .bind(search.user_id)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            if locked.rows_affected() == 0 {
                return Err(StoreError::Missing("account").into());
            }
            let count: i64 = sqlx::query_scalar(COUNT)
                .bind(search.user_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            if count >= MAX_SAVED_SEARCHES_PER_USER {
                return Err(SaveSearchError::TooMany);
            }
            let id: i64 = sqlx::query_scalar(INSERT)
                .bind(search.user_id)
                .bind(name)
                .bind(search.query)
                .bind(search.feed_token)
                .bind(search.created_at)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(db)
                        if db.kind() == sqlx::error::ErrorKind::UniqueViolation =>
                    {
                        // The feed token is 128 random bits: a clash is
                        // the member's name, in practice always.
                        let said = format!("{} {}", db.constraint().unwrap_or(""), db.message());
                        StoreError::Conflict(if said.contains("feed_token") {
                            "feed_token"
                        } else {
                            "name"
                        })
                    }
                    _ => StoreError::Query(e),
                })?;
            tx.commit().await.map_err(StoreError::from)?;
            Ok(id)
        })
    }

    /// A member's saved searches, oldest first.
    pub async fn saved_searches(&self, user_id: i64) -> Result<Vec<SavedSearch>, StoreError> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(BY_USER).bind(user_id).fetch_all(pool).await?;
            rows.iter().map(from_row).collect()
        })
    }

    /// The saved search a feed token names, unless its owner's account
    /// is disabled: a disabled account's feeds stop.
    pub async fn saved_search_by_token(
        &self,
        feed_token: &str,
    ) -> Result<Option<SavedSearch>, StoreError> {
        on_backend!(self, |pool| {
            let row = sqlx::query(BY_TOKEN)
                .bind(feed_token)
                .fetch_optional(pool)
                .await?;
            row.map(|row| from_row(&row)).transpose()
        })
    }

    /// Deletes saved search `id` if member `user_id` owns it; `false`
    /// if there is none of theirs.
    pub async fn delete_saved_search(&self, user_id: i64, id: i64) -> Result<bool, StoreError> {
        on_backend!(self, |pool| {
            let done = sqlx::query(DELETE)
                .bind(id)
                .bind(user_id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }
}
