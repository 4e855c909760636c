//! What only the SQLite backend knows: how to open the embedded file, its
//! migrations, and the few words of its dialect that PostgreSQL spells
//! differently.

use crate::StoreError;
use sqlx::SqlitePool;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

/// File name of the SQLite database inside the data directory.
pub const SQLITE_FILE: &str = "swarmgate.db";

/// The SQLite migrations, embedded in the binary.
pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// The scalar function returning the larger of two values (PostgreSQL:
/// `GREATEST`; SQLite's `max` with two arguments is scalar, not aggregate).
pub(crate) const GREATEST: &str = "max";

/// Every `table.column` of the schema but sqlx's and SQLite's own tables.
pub(crate) const ALL_COLUMNS: &str = "SELECT m.name || '.' || p.name FROM sqlite_master m \
     JOIN pragma_table_info(m.name) p \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' \
     ORDER BY 1";

/// Opens (creating if needed) `swarmgate.db` in `data_dir`.
///
/// WAL lets the flusher write while other connections read; `NORMAL`
/// synchronous is durable across process crashes in WAL mode, and losing
/// the last commit to a power cut costs at most one flush of counters.
///
/// The accounting flush upserts hundreds of thousands of rows in one
/// transaction: with SQLite's default 2 MiB page cache it re-read pages
/// from the file (a `pread` each) and wrote each statement's rollback
/// journal to a temporary file. A 32 MiB cache per connection (filled
/// only as far as the database is large) and in-memory temporary storage
/// keep both off the disk.
pub(crate) async fn connect(data_dir: &Path) -> Result<SqlitePool, StoreError> {
    std::fs::create_dir_all(data_dir).map_err(|error| StoreError::DataDir {
        path: data_dir.to_owned(),
        error,
    })?;
    let options = SqliteConnectOptions::new()
        .filename(data_dir.join(SQLITE_FILE))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .pragma("cache_size", "-32768")
        .pragma("temp_store", "memory");
    SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .map_err(StoreError::Open)
}

/// Indexes release $1's search document $2 (see `search`).
pub(crate) const INDEX_RELEASE: &str =
    "INSERT INTO release_search (rowid, document) VALUES ($1, $2)";

/// Releases whose document matches the FTS5 expression in `$n`, for a
/// walk of the order's index (`search_sql`): the match set is built once
/// per statement and each release of the walk is looked up in it. The
/// unary `+` keeps the planner from reading the set's releases by id and
/// sorting them all instead: with the page size a bound parameter, it
/// cannot see that the walk stops early.
pub(crate) fn text_match(n: usize) -> String {
    format!("+r.id IN (SELECT rowid FROM release_search WHERE release_search MATCH ${n})")
}

/// An FTS5 expression requiring every term: each a quoted string (so no
/// word of the user's is an operator: `NEAR`, `AND`, `-`, `*`, `(`), the
/// last one a prefix when [`crate::search::Terms::prefix_last`].
pub(crate) fn match_expression(terms: &crate::search::Terms) -> String {
    let mut expression = String::new();
    for (i, word) in terms.words().iter().enumerate() {
        if i > 0 {
            expression.push(' ');
        }
        expression.push('"');
        expression.push_str(&word.replace('"', "\"\""));
        expression.push('"');
    }
    if terms.prefix_last() {
        expression.push('*');
    }
    expression
}

/// SQLite's planner cannot tell a common word from a rare one, so a text
/// search counts its matches first and drives the page from them when
/// they are few (`search_sql`).
pub(crate) const DRIVE_FROM_MATCHES: bool = true;

/// Listing statements are cached like the others: SQLite plans them
/// the same whatever the words.
pub(crate) const PERSISTENT_LISTING: bool = true;

/// The index a walk in `sort` order takes when the count has shown the
/// matches to be dense (see `search.rs`). Each is led by `status`.
pub(crate) fn order_index(sort: crate::search::ReleaseSort) -> Option<&'static str> {
    use crate::search::ReleaseSort;
    Some(match sort {
        ReleaseSort::Date => "releases_listing",
        ReleaseSort::Seeders => "releases_by_seeders",
        ReleaseSort::Size => "releases_by_size",
        ReleaseSort::Name => "releases_by_name",
    })
}

/// Case-insensitive title order (ASCII folding only: SQLite's NOCASE).
pub(crate) const BY_NAME: &str = "r.title COLLATE NOCASE, r.id";

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    /// The version of `20261123000014_transfers_leeched.sql`.
    const LEECHED: i64 = 20261123000014;

    /// The embedded migrations up to `last`. (Built from sqlx's hidden
    /// fields, which `migrate!` fills: a test may break with a new sqlx.)
    fn up_to(last: i64) -> Migrator {
        Migrator {
            migrations: Cow::Owned(
                MIGRATOR
                    .migrations
                    .iter()
                    .filter(|m| m.version <= last)
                    .cloned()
                    .collect(),
            ),
            ignore_missing: false,
            locking: true,
            no_tx: false,
        }
    }

    #[tokio::test]
    async fn the_leeched_migration_marks_older_rows_that_downloaded_or_completed() {
        let dir = tempfile::tempdir().unwrap();
        let pool = connect(dir.path()).await.unwrap();
        up_to(LEECHED - 1).run(&pool).await.unwrap();
        {
            // Rows as the accounting wrote them before; no accounts or
            // releases needed for what the migration reads.
            let mut conn = pool.acquire().await.unwrap();
            sqlx::query("PRAGMA foreign_keys = OFF")
                .execute(&mut *conn)
                .await
                .unwrap();
            sqlx::query(
                "INSERT INTO transfers (user_id, release_id, uploaded, downloaded, snatched_at) \
                 VALUES (1, 1, 0, 5, NULL), (1, 2, 7, 0, NULL), (1, 3, 0, 0, 9), (1, 4, 0, 0, NULL)",
            )
            .execute(&mut *conn)
            .await
            .unwrap();
            sqlx::query("PRAGMA foreign_keys = ON")
                .execute(&mut *conn)
                .await
                .unwrap();
        }
        // Only this migration: a later one may need the accounts and
        // releases these rows leave out.
        up_to(LEECHED).run(&pool).await.unwrap();
        let leeched: Vec<(i64, bool)> =
            sqlx::query_as("SELECT release_id, leeched FROM transfers ORDER BY release_id")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(leeched, [(1, true), (2, false), (3, true), (4, false)]);
        pool.close().await;
    }
}
