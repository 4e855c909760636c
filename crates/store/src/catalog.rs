//! The release catalog: categories (a tree admins edit), releases with
//! their original .torrent bytes, file lists, tags and comments.
//!
//! A release is written in one transaction with its files and tags, so a
//! failed upload leaves nothing behind. Both info-hashes are unique
//! columns: uploading a torrent that is already here, under either of its
//! hashes, is [`StoreError::Conflict`]`("info_hash")`, and
//! [`Store::release_id_by_hash`] says which release has it.
//! The release's search document is written in the same transaction
//! (see `search`, which also holds the listings).

mod comments;
mod edit;

pub use comments::{Comment, MemberComment};
pub use edit::ReleaseEdit;

use crate::{Pool, Store, StoreError, sql};
use sqlx::Row as _;
use std::fmt;
use tracker_proto::InfoHash;

/// Where a release stands in moderation. Only [`ReleaseStatus::Approved`]
/// releases are listed publicly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReleaseStatus {
    /// Waiting for a moderator.
    Pending,
    Approved,
    /// Sent back to the uploader to correct.
    NeedsFix,
    /// The same content is already here under another torrent.
    Duplicate,
    Closed,
}

impl ReleaseStatus {
    pub const ALL: [ReleaseStatus; 5] = [
        ReleaseStatus::Pending,
        ReleaseStatus::Approved,
        ReleaseStatus::NeedsFix,
        ReleaseStatus::Duplicate,
        ReleaseStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseStatus::Pending => "pending",
            ReleaseStatus::Approved => "approved",
            ReleaseStatus::NeedsFix => "needs_fix",
            ReleaseStatus::Duplicate => "duplicate",
            ReleaseStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for ReleaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One node of the category tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub id: i64,
    /// `None` for a top-level category.
    pub parent_id: Option<i64>,
    pub slug: String,
    pub name_en: String,
    pub name_ru: String,
    /// Siblings are ordered by position, then id.
    pub position: i64,
}

/// A category to create or the new values of one.
#[derive(Clone, Debug)]
pub struct NewCategory<'a> {
    pub parent_id: Option<i64>,
    pub slug: &'a str,
    pub name_en: &'a str,
    pub name_ru: &'a str,
    pub position: i64,
}

/// A file of a release, as the torrent lists it (pad files excluded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseFile {
    /// Components joined with `/`.
    pub path: String,
    pub length: u64,
}

/// A release to create, with everything stored with it.
#[derive(Clone, Debug)]
pub struct NewRelease<'a> {
    pub info_hash_v1: Option<InfoHash>,
    /// The full SHA-256 info-hash (BEP 52).
    pub info_hash_v2: Option<[u8; 32]>,
    pub title: &'a str,
    pub description_md: &'a str,
    pub category_id: i64,
    pub uploader_id: i64,
    pub status: ReleaseStatus,
    pub size: u64,
    pub private: bool,
    /// The uploaded .torrent, byte for byte.
    pub torrent: &'a [u8],
    pub created_at: i64,
    pub files: &'a [ReleaseFile],
    pub tags: &'a [String],
}

/// A stored release, without its .torrent bytes
/// ([`Store::release_torrent`]), files or tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    pub id: i64,
    pub info_hash_v1: Option<InfoHash>,
    pub info_hash_v2: Option<[u8; 32]>,
    pub title: String,
    pub description_md: String,
    pub category_id: i64,
    /// `None` once the uploader's account is deleted.
    pub uploader_id: Option<i64>,
    pub uploader: Option<String>,
    pub status: ReleaseStatus,
    pub size: u64,
    pub private: bool,
    pub created_at: i64,
    /// Downloads of it do not count against ratios (tracker mode
    /// `private`); staff set it with [`Store::set_freeleech`].
    pub freeleech: bool,
}

pub(crate) fn corrupt(table: &'static str, what: &str) -> StoreError {
    StoreError::Corrupt {
        table,
        what: what.into(),
    }
}

pub(crate) fn release_from_row<R>(row: &R) -> Result<Release, StoreError>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let v1: Option<Vec<u8>> = row.try_get(1)?;
    let v2: Option<Vec<u8>> = row.try_get(2)?;
    let status: String = row.try_get(8)?;
    let size: i64 = row.try_get(9)?;
    Ok(Release {
        id: row.try_get(0)?,
        info_hash_v1: v1
            .map(|h| h.try_into().map(InfoHash))
            .transpose()
            .map_err(|_| corrupt("releases", "info_hash_v1 is not 20 bytes"))?,
        info_hash_v2: v2
            .map(<[u8; 32]>::try_from)
            .transpose()
            .map_err(|_| corrupt("releases", "info_hash_v2 is not 32 bytes"))?,
        title: row.try_get(3)?,
        description_md: row.try_get(4)?,
        category_id: row.try_get(5)?,
        uploader_id: row.try_get(6)?,
        uploader: row.try_get(7)?,
        status: ReleaseStatus::parse(&status).ok_or_else(|| corrupt("releases", "status"))?,
        size: u64::try_from(size).map_err(|_| corrupt("releases", "negative size"))?,
        private: row.try_get(10)?,
        created_at: row.try_get(11)?,
        freeleech: row.try_get(12)?,
    })
}

/// An integer column value for a `u64` that may not fit `i64`.
pub(crate) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Binds a [`NewRelease`]'s columns to a query of
/// [`sql::INSERT_RELEASE`], in its order: a macro, since each backend's
/// query is its own type. Shared by `create_release` and
/// `import_releases`.
macro_rules! bind_new_release {
    ($query:expr, $release:expr) => {{
        let release = $release;
        $query
            .bind(release.info_hash_v1.map(|h| h.0.to_vec()))
            .bind(release.info_hash_v2.map(|h| h.to_vec()))
            .bind(release.title)
            .bind(release.description_md)
            .bind(release.category_id)
            .bind(release.uploader_id)
            .bind(release.status.as_str())
            .bind($crate::catalog::to_i64(release.size))
            .bind(release.private)
            .bind(release.torrent)
            .bind(release.created_at)
    }};
}
pub(crate) use bind_new_release;

impl Store {
    /// The whole category tree, ordered by position then id (parents and
    /// children mixed: callers build the tree from `parent_id`).
    pub async fn categories(&self) -> Result<Vec<Category>, StoreError> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(sql::CATEGORIES).fetch_all(pool).await?;
            rows.iter()
                .map(|row| {
                    Ok(Category {
                        id: row.try_get(0)?,
                        parent_id: row.try_get(1)?,
                        slug: row.try_get(2)?,
                        name_en: row.try_get(3)?,
                        name_ru: row.try_get(4)?,
                        position: row.try_get(5)?,
                    })
                })
                .collect()
        })
    }

    /// Creates a category. A taken slug is [`StoreError::Conflict`], an
    /// unknown parent [`StoreError::Missing`].
    pub async fn create_category(&self, category: &NewCategory<'_>) -> Result<i64, StoreError> {
        on_backend!(self, |pool| {
            sqlx::query_scalar::<_, i64>(sql::INSERT_CATEGORY)
                .bind(category.parent_id)
                .bind(category.slug)
                .bind(category.name_en)
                .bind(category.name_ru)
                .bind(category.position)
                .fetch_one(pool)
                .await
                .map_err(|e| catalog_constraint(e, "category"))
        })
    }

    /// Replaces a category's values; `false` if there is no such
    /// category. The caller keeps the tree acyclic (a category cannot
    /// become its own descendant).
    pub async fn update_category(
        &self,
        id: i64,
        category: &NewCategory<'_>,
    ) -> Result<bool, StoreError> {
        on_backend!(self, |pool| {
            let done = sqlx::query(sql::UPDATE_CATEGORY)
                .bind(category.parent_id)
                .bind(category.slug)
                .bind(category.name_en)
                .bind(category.name_ru)
                .bind(category.position)
                .bind(id)
                .execute(pool)
                .await
                .map_err(|e| catalog_constraint(e, "category"))?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Deletes a category; `false` if there is none. One that still has
    /// sub-categories or releases is [`StoreError::Conflict`]`("category")`.
    pub async fn delete_category(&self, id: i64) -> Result<bool, StoreError> {
        on_backend!(self, |pool| {
            let done = sqlx::query(sql::DELETE_CATEGORY)
                .bind(id)
                .execute(pool)
                .await
                .map_err(|e| match catalog_constraint(e, "category") {
                    // Here a reference means "still in use", not "missing".
                    StoreError::Missing(what) => StoreError::Conflict(what),
                    other => other,
                })?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Stores a release with its files and tags in one transaction and
    /// returns its id. Either info-hash already stored is
    /// [`StoreError::Conflict`]`("info_hash")`; an unknown category or
    /// uploader is [`StoreError::Missing`]. On any error nothing is kept.
    pub async fn create_release(&self, release: &NewRelease<'_>) -> Result<i64, StoreError> {
        let document = crate::search::document(
            release.title,
            release.description_md,
            release.files.iter().map(|f| f.path.as_str()),
        );
        on_backend!(self, |pool, dialect| {
            let mut tx = pool.begin().await?;
            let insert = sqlx::query_scalar::<_, i64>(sql::INSERT_RELEASE);
            let id = bind_new_release!(insert, release)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| catalog_constraint(e, "category or uploader"))?;
            for (position, file) in release.files.iter().enumerate() {
                sqlx::query(sql::INSERT_RELEASE_FILE)
                    .bind(id)
                    .bind(i64::try_from(position).unwrap_or(i64::MAX))
                    .bind(&file.path)
                    .bind(to_i64(file.length))
                    .execute(&mut *tx)
                    .await?;
            }
            for tag in release.tags {
                sqlx::query(sql::INSERT_RELEASE_TAG)
                    .bind(id)
                    .bind(tag)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(dialect::INDEX_RELEASE)
                .bind(id)
                .bind(&document)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    pub async fn release(&self, id: i64) -> Result<Option<Release>, StoreError> {
        on_backend!(self, |pool| {
            let row = sqlx::query(&sql::release_by_id())
                .bind(id)
                .fetch_optional(pool)
                .await?;
            row.map(|row| release_from_row(&row)).transpose()
        })
    }

    /// A member's newest releases, at most `limit`, in any status: for
    /// their profile.
    pub async fn releases_by(
        &self,
        uploader_id: i64,
        limit: u32,
    ) -> Result<Vec<Release>, StoreError> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(&sql::releases_by_uploader())
                .bind(uploader_id)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            rows.iter().map(release_from_row).collect()
        })
    }

    /// The release holding either of these info-hashes, if any.
    pub async fn release_id_by_hash(
        &self,
        v1: Option<InfoHash>,
        v2: Option<[u8; 32]>,
    ) -> Result<Option<i64>, StoreError> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar::<_, i64>(sql::RELEASE_ID_BY_HASH)
                .bind(v1.map(|h| h.0.to_vec()))
                .bind(v2.map(|h| h.to_vec()))
                .fetch_optional(pool)
                .await?)
        })
    }

    /// The .torrent exactly as uploaded.
    pub async fn release_torrent(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar::<_, Vec<u8>>(sql::RELEASE_TORRENT)
                .bind(id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// The release's files in torrent order.
    pub async fn release_files(&self, id: i64) -> Result<Vec<ReleaseFile>, StoreError> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(sql::RELEASE_FILES)
                .bind(id)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|row| {
                    let length: i64 = row.try_get(1)?;
                    Ok(ReleaseFile {
                        path: row.try_get(0)?,
                        length: u64::try_from(length)
                            .map_err(|_| corrupt("release_files", "negative length"))?,
                    })
                })
                .collect()
        })
    }

    /// The release's tags, sorted.
    pub async fn release_tags(&self, id: i64) -> Result<Vec<String>, StoreError> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar(sql::RELEASE_TAGS)
                .bind(id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Sets a release's status; `false` if there is no such release.
    pub async fn set_release_status(
        &self,
        id: i64,
        status: ReleaseStatus,
    ) -> Result<bool, StoreError> {
        on_backend!(self, |pool| {
            let done = sqlx::query(sql::SET_RELEASE_STATUS)
                .bind(status.as_str())
                .bind(id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Deletes a release with its files, tags and comments; `false` if
    /// there was none.
    pub async fn delete_release(&self, id: i64) -> Result<bool, StoreError> {
        on_backend!(self, |pool| {
            let done = sqlx::query(sql::DELETE_RELEASE)
                .bind(id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }
}

/// Maps the catalog's constraint violations: a unique value taken
/// (`info_hash` or `slug`) to [`StoreError::Conflict`], a reference to a
/// row that does not exist to [`StoreError::Missing`]`(referent)`.
pub(crate) fn catalog_constraint(e: sqlx::Error, referent: &'static str) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        match db.kind() {
            sqlx::error::ErrorKind::UniqueViolation => {
                // PostgreSQL names the constraint; SQLite says it in the
                // message ("UNIQUE constraint failed: releases.info_hash_v1").
                let said = format!("{} {}", db.constraint().unwrap_or(""), db.message());
                let what = if said.contains("info_hash") {
                    "info_hash"
                } else if said.contains("slug") {
                    "slug"
                } else {
                    "value"
                };
                return StoreError::Conflict(what);
            }
            sqlx::error::ErrorKind::ForeignKeyViolation => return StoreError::Missing(referent),
            // SQLite reports an `ON DELETE RESTRICT` refusal with the
            // extended code SQLITE_CONSTRAINT_TRIGGER, which sqlx does not
            // classify; the message is the same as for other foreign keys.
            _ if db.message().contains("FOREIGN KEY constraint failed") => {
                return StoreError::Missing(referent);
            }
            _ => {}
        }
    }
    StoreError::Query(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in ReleaseStatus::ALL {
            assert_eq!(ReleaseStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ReleaseStatus::parse("deleted"), None);
    }
}
