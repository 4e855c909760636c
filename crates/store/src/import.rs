//! Loading many releases at once: [`Store::import_releases`].
//!
//! The portal creates releases one by one, each in its own transaction
//! ([`Store::create_release`]). Filling a catalog for a benchmark, or
//! moving one over from another site, writes hundreds of thousands: one
//! transaction per release spends most of its time committing, and one
//! statement per file most of the rest. An import writes a whole batch
//! in one transaction and each release's files in one statement; the
//! rows and the search document are the same as `create_release`
//! writes.

use crate::catalog::{bind_new_release, to_i64};
use crate::sql;
use crate::{NewRelease, Pool, Store, StoreError};
use std::fmt::Write as _;

/// `INSERT INTO release_files` of `rows` files.
fn insert_files(rows: usize) -> String {
    let mut sql =
        String::from("INSERT INTO release_files (release_id, position, path, length) VALUES ");
    for row in 0..rows {
        let n = 2 + row * 3;
        let _ = write!(
            sql,
            "{}($1, ${n}, ${}, ${})",
            if row == 0 { "" } else { ", " },
            n + 1,
            n + 2
        );
    }
    sql
}

impl Store {
    /// Stores `releases` in one transaction, in order; returns their ids.
    ///
    /// All or nothing: any error (a duplicate info-hash, an unknown
    /// category) rolls the whole batch back and is reported as the
    /// database's own error, without the per-field mapping of
    /// `create_release`. Meant for data already checked; batches of a
    /// few thousand keep the transaction's memory small.
    pub async fn import_releases(
        &self,
        releases: &[NewRelease<'_>],
    ) -> Result<Vec<i64>, StoreError> {
        on_backend!(self, |pool, dialect| {
            let mut tx = pool.begin().await?;
            let mut ids = Vec::with_capacity(releases.len());
            for release in releases {
                let insert = sqlx::query_scalar::<_, i64>(sql::INSERT_RELEASE);
                let id = bind_new_release!(insert, release)
                    .fetch_one(&mut *tx)
                    .await?;
                // At most ROWS_PER_STATEMENT files (3 parameters each) a
                // statement.
                for (chunk_no, chunk) in release.files.chunks(sql::ROWS_PER_STATEMENT).enumerate() {
                    let statement = insert_files(chunk.len());
                    let mut query = sqlx::query(&statement).bind(id);
                    for (i, file) in chunk.iter().enumerate() {
                        let position = chunk_no * sql::ROWS_PER_STATEMENT + i;
                        query = query
                            .bind(i64::try_from(position).unwrap_or(i64::MAX))
                            .bind(&file.path)
                            .bind(to_i64(file.length));
                    }
                    query.execute(&mut *tx).await?;
                }
                for tag in release.tags {
                    sqlx::query(sql::INSERT_RELEASE_TAG)
                        .bind(id)
                        .bind(tag)
                        .execute(&mut *tx)
                        .await?;
                }
                let document = crate::search::document(
                    release.title,
                    release.description_md,
                    release.files.iter().map(|f| f.path.as_str()),
                );
                sqlx::query(dialect::INDEX_RELEASE)
                    .bind(id)
                    .bind(&document)
                    .execute(&mut *tx)
                    .await?;
                ids.push(id);
            }
            tx.commit().await?;
            Ok(ids)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_rows_share_the_release_placeholder() {
        assert_eq!(
            insert_files(2),
            "INSERT INTO release_files (release_id, position, path, length) VALUES \
             ($1, $2, $3, $4), ($1, $5, $6, $7)"
        );
    }
}
