//! Editing a release: its title, description, category and tags. The
//! .torrent, its files and its info-hashes never change.
//!
//! The search document is written again in the same transaction, from
//! the new title and description and the stored file paths, exactly as
//! [`Store::create_release`] first wrote it (`search::document`), so an
//! edit is found by its new words at once and by its old ones no more.

use crate::catalog::{ReleaseStatus, catalog_constraint};
use crate::{Pool, Store, StoreError, sql};

/// New values of a release's editable fields, and when the edit may
/// happen.
#[derive(Clone, Debug)]
pub struct ReleaseEdit<'a> {
    pub title: &'a str,
    pub description_md: &'a str,
    pub category_id: i64,
    /// Replace the release's tags (already normalized by the caller).
    pub tags: &'a [String],
    /// Edit only while the release has one of these statuses; empty for
    /// any. Checked by the `UPDATE` itself, so a moderator's decision
    /// made since the caller looked wins.
    pub only_in: &'a [ReleaseStatus],
    /// Move a `needs_fix` release back to `pending`: its uploader has
    /// fixed it and it returns to the moderation queue.
    pub resubmit: bool,
}

/// Removes release $1's search document before `INDEX_RELEASE` writes it
/// again, where that is needed: FTS5 replaces a row by delete and insert,
/// while PostgreSQL's `INDEX_RELEASE` is an `UPDATE` of the release row.
fn unindex_statement(store: &Store) -> Option<&'static str> {
    match store.pool {
        Pool::Sqlite(_) => Some("DELETE FROM release_search WHERE rowid = $1"),
        Pool::Postgres(_) => None,
    }
}

/// The `UPDATE` of the release row: `$1` title, `$2` description, `$3`
/// category, `$4` id, then one parameter per allowed status.
fn update_statement(statuses: usize) -> String {
    let mut sql = String::from(
        "UPDATE releases SET title = $1, description_md = $2, category_id = $3 WHERE id = $4",
    );
    if statuses > 0 {
        let list: Vec<String> = (0..statuses).map(|i| format!("${}", 5 + i)).collect();
        sql.push_str(&format!(" AND status IN ({})", list.join(", ")));
    }
    sql
}

const RESUBMIT: &str =
    "UPDATE releases SET status = 'pending' WHERE id = $1 AND status = 'needs_fix'";
const DELETE_TAGS: &str = "DELETE FROM release_tags WHERE release_id = $1";

impl Store {
    /// Applies `edit` to release `id` in one transaction: the row, its
    /// tags and its search document. `false` if there is no such release
    /// or its status is not in `edit.only_in` (then nothing changed). An
    /// unknown category is [`StoreError::Missing`]`("category")`; on any
    /// error nothing changed.
    pub async fn update_release(
        &self,
        id: i64,
        edit: &ReleaseEdit<'_>,
    ) -> Result<bool, StoreError> {
        let update = update_statement(edit.only_in.len());
        let unindex = unindex_statement(self);
        on_backend!(self, |pool, dialect| {
            let mut tx = pool.begin().await?;
            let mut query = sqlx::query(&update)
                .bind(edit.title)
                .bind(edit.description_md)
                .bind(edit.category_id)
                .bind(id);
            for status in edit.only_in {
                query = query.bind(status.as_str());
            }
            let done = query
                .execute(&mut *tx)
                .await
                .map_err(|e| catalog_constraint(e, "category"))?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            if edit.resubmit {
                sqlx::query(RESUBMIT).bind(id).execute(&mut *tx).await?;
            }
            sqlx::query(DELETE_TAGS).bind(id).execute(&mut *tx).await?;
            for tag in edit.tags {
                sqlx::query(sql::INSERT_RELEASE_TAG)
                    .bind(id)
                    .bind(tag)
                    .execute(&mut *tx)
                    .await?;
            }
            let paths: Vec<String> = sqlx::query_scalar(
                "SELECT path FROM release_files WHERE release_id = $1 ORDER BY position",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let document = crate::search::document(
                edit.title,
                edit.description_md,
                paths.iter().map(String::as_str),
            );
            if let Some(unindex) = unindex {
                sqlx::query(unindex).bind(id).execute(&mut *tx).await?;
            }
            sqlx::query(dialect::INDEX_RELEASE)
                .bind(id)
                .bind(&document)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(true)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_condition_numbers_its_parameters_after_the_id() {
        assert_eq!(
            update_statement(0),
            "UPDATE releases SET title = $1, description_md = $2, category_id = $3 WHERE id = $4"
        );
        assert!(update_statement(2).ends_with("WHERE id = $4 AND status IN ($5, $6)"));
    }
}
