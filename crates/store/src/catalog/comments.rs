//! Comments on releases: writing, listing per release and per member,
//! hiding. A comment outlives its author's account: its author is then
//! `None`, shown as a deleted account.

use crate::catalog::catalog_constraint;
use crate::{Pool, Store, StoreError, sql};
use sqlx::Row as _;

/// A comment on a release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub id: i64,
    /// `None` once the author's account is deleted.
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub body: String,
    /// Hidden by a moderator: shown to moderators only.
    pub hidden: bool,
    pub created_at: i64,
}

/// A comment as its author's profile lists it: with the release it is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberComment {
    pub id: i64,
    pub release_id: i64,
    pub release_title: String,
    pub body: String,
    pub hidden: bool,
    pub created_at: i64,
}

/// A member's newest comments ($2 at most), with their releases.
const COMMENTS_BY: &str = "SELECT c.id, c.release_id, r.title, c.body, c.hidden, c.created_at \
     FROM comments c JOIN releases r ON r.id = c.release_id \
     WHERE c.user_id = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT $2";

impl Store {
    /// Adds a comment and returns its id. An unknown release is
    /// [`StoreError::Missing`].
    pub async fn add_comment(
        &self,
        release_id: i64,
        user_id: i64,
        body: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        on_backend!(self, |pool| {
            sqlx::query_scalar::<_, i64>(sql::INSERT_COMMENT)
                .bind(release_id)
                .bind(user_id)
                .bind(body)
                .bind(now)
                .fetch_one(pool)
                .await
                .map_err(|e| catalog_constraint(e, "release"))
        })
    }

    /// A release's comments, oldest first; hidden ones only if asked.
    pub async fn comments(
        &self,
        release_id: i64,
        include_hidden: bool,
    ) -> Result<Vec<Comment>, StoreError> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(sql::COMMENTS)
                .bind(release_id)
                .bind(include_hidden)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|row| {
                    Ok(Comment {
                        id: row.try_get(0)?,
                        user_id: row.try_get(1)?,
                        username: row.try_get(2)?,
                        body: row.try_get(3)?,
                        hidden: row.try_get(4)?,
                        created_at: row.try_get(5)?,
                    })
                })
                .collect()
        })
    }

    /// A member's newest comments, at most `limit`, hidden ones included
    /// (they are the member's own).
    pub async fn comments_by(
        &self,
        user_id: i64,
        limit: u32,
    ) -> Result<Vec<MemberComment>, StoreError> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(COMMENTS_BY)
                .bind(user_id)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|row| {
                    Ok(MemberComment {
                        id: row.try_get(0)?,
                        release_id: row.try_get(1)?,
                        release_title: row.try_get(2)?,
                        body: row.try_get(3)?,
                        hidden: row.try_get(4)?,
                        created_at: row.try_get(5)?,
                    })
                })
                .collect()
        })
    }

    /// Hides or shows a comment; returns its release's id, or `None` if
    /// there is no such comment.
    pub async fn set_comment_hidden(
        &self,
        comment_id: i64,
        hidden: bool,
    ) -> Result<Option<i64>, StoreError> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let release: Option<i64> = sqlx::query_scalar(sql::COMMENT_RELEASE)
                .bind(comment_id)
                .fetch_optional(&mut *tx)
                .await?;
            if release.is_some() {
                sqlx::query(sql::SET_COMMENT_HIDDEN)
                    .bind(hidden)
                    .bind(comment_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(release)
        })
    }
}
