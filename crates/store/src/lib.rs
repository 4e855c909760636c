//! Persistent storage: schema, migrations and queries.
//!
//! Today the store holds the tracker's completed-download counts in an
//! embedded SQLite database in the data directory (WAL mode, foreign keys
//! on). Migrations are embedded in the binary and run at start.
//!
//! Privacy invariant: no table has a column for an IP address, peer id or
//! anything else that locates a member; peer state lives in the `swarm`
//! crate's memory only.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use tracker_proto::InfoHash;

/// File name of the SQLite database inside the data directory.
pub const SQLITE_FILE: &str = "swarmgate.db";

/// Rows per multi-row upsert: SQLite allows 32,766 bound parameters.
const UPSERT_CHUNK: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Open(#[source] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error("corrupt row in {table}: {what}")]
    Corrupt { table: &'static str, what: String },
}

/// One aggregate access-policy counter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyCount {
    /// `portal`, `tracker`, `download` or `category:<slug>`.
    pub scope: String,
    /// ISO 3166-1 alpha-2, or `unknown`.
    pub country: String,
    /// The deciding rule's name, or `default`.
    pub rule: String,
    /// `allow`, `deny` or `shadow`.
    pub decision: String,
    pub count: u64,
}

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the SQLite database in `data_dir` and
    /// runs pending migrations.
    pub async fn open_in_dir(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.to_owned(),
            source,
        })?;
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(StoreError::Open)?
            .filename(data_dir.join(SQLITE_FILE))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(StoreError::Open)?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// Runs every embedded migration not yet applied.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    /// Every stored completed count.
    pub async fn load_completed(&self) -> Result<Vec<(InfoHash, u64)>, StoreError> {
        let rows = sqlx::query("SELECT info_hash, completed FROM torrent_stats")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let hash: Vec<u8> = row.try_get(0)?;
                let completed: i64 = row.try_get(1)?;
                let hash: [u8; 20] = hash.try_into().map_err(|_| StoreError::Corrupt {
                    table: "torrent_stats",
                    what: "info_hash is not 20 bytes".into(),
                })?;
                Ok((InfoHash(hash), u64::try_from(completed).unwrap_or(0)))
            })
            .collect()
    }

    /// Writes absolute completed counts in one transaction. Counts only
    /// grow, so an older value never overwrites a newer one.
    pub async fn save_completed(&self, counts: &[(InfoHash, u64)]) -> Result<(), StoreError> {
        if counts.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for chunk in counts.chunks(UPSERT_CHUNK) {
            let mut sql = String::from("INSERT INTO torrent_stats (info_hash, completed) VALUES ");
            for i in 0..chunk.len() {
                sql.push_str(if i == 0 { "(?, ?)" } else { ", (?, ?)" });
            }
            sql.push_str(
                " ON CONFLICT (info_hash) DO UPDATE SET \
                 completed = max(completed, excluded.completed)",
            );
            let mut query = sqlx::query(&sql);
            for (hash, completed) in chunk {
                query = query
                    .bind(hash.0.as_slice())
                    .bind(i64::try_from(*completed).unwrap_or(i64::MAX));
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Adds aggregate policy counts to the hour they were counted in.
    pub async fn add_policy_counts(
        &self,
        hour: i64,
        rows: &[PolicyCount],
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for chunk in rows.chunks(UPSERT_CHUNK / 2) {
            let mut sql = String::from(
                "INSERT INTO policy_counters (hour, scope, country, rule, decision, count) VALUES ",
            );
            for i in 0..chunk.len() {
                sql.push_str(if i == 0 {
                    "(?, ?, ?, ?, ?, ?)"
                } else {
                    ", (?, ?, ?, ?, ?, ?)"
                });
            }
            sql.push_str(
                " ON CONFLICT (hour, scope, country, rule, decision) DO UPDATE SET \
                 count = count + excluded.count",
            );
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = query
                    .bind(hour)
                    .bind(&row.scope)
                    .bind(&row.country)
                    .bind(&row.rule)
                    .bind(&row.decision)
                    .bind(i64::try_from(row.count).unwrap_or(i64::MAX));
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Policy counts summed over the hours from `since_hour` on.
    pub async fn policy_counts_since(
        &self,
        since_hour: i64,
    ) -> Result<Vec<PolicyCount>, StoreError> {
        let rows = sqlx::query(
            "SELECT scope, country, rule, decision, SUM(count) FROM policy_counters \
             WHERE hour >= ? GROUP BY scope, country, rule, decision \
             ORDER BY SUM(count) DESC, country, scope, rule",
        )
        .bind(since_hour)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let count: i64 = row.try_get(4)?;
                Ok(PolicyCount {
                    scope: row.try_get(0)?,
                    country: row.try_get(1)?,
                    rule: row.try_get(2)?,
                    decision: row.try_get(3)?,
                    count: u64::try_from(count).unwrap_or(0),
                })
            })
            .collect()
    }

    /// Closes the pool, waiting for in-flight queries.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn completed_counts_survive_reopening_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let a = InfoHash([1; 20]);
        let b = InfoHash([2; 20]);
        {
            let store = Store::open_in_dir(dir.path()).await.unwrap();
            store.save_completed(&[(a, 3), (b, 1)]).await.unwrap();
            store.save_completed(&[(a, 4)]).await.unwrap();
            store.close().await;
        }
        let store = Store::open_in_dir(dir.path()).await.unwrap();
        let mut counts = store.load_completed().await.unwrap();
        counts.sort();
        assert_eq!(counts, vec![(a, 4), (b, 1)]);
    }

    #[tokio::test]
    async fn an_older_count_never_overwrites_a_newer_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).await.unwrap();
        let a = InfoHash([7; 20]);
        store.save_completed(&[(a, 10)]).await.unwrap();
        store.save_completed(&[(a, 2)]).await.unwrap();
        assert_eq!(store.load_completed().await.unwrap(), vec![(a, 10)]);
    }

    #[tokio::test]
    async fn saving_more_rows_than_one_statement_holds_works() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).await.unwrap();
        let counts: Vec<_> = (0..1_234u32)
            .map(|i| {
                let mut h = [0u8; 20];
                h[..4].copy_from_slice(&i.to_be_bytes());
                (InfoHash(h), u64::from(i) + 1)
            })
            .collect();
        store.save_completed(&counts).await.unwrap();
        assert_eq!(store.load_completed().await.unwrap().len(), 1_234);
    }

    fn count(country: &str, decision: &str, n: u64) -> PolicyCount {
        PolicyCount {
            scope: "tracker".into(),
            country: country.into(),
            rule: "r".into(),
            decision: decision.into(),
            count: n,
        }
    }

    #[tokio::test]
    async fn policy_counts_add_up_per_hour_and_sum_over_a_window() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).await.unwrap();
        store
            .add_policy_counts(100, &[count("RU", "deny", 5)])
            .await
            .unwrap();
        store
            .add_policy_counts(100, &[count("RU", "deny", 2), count("DE", "allow", 1)])
            .await
            .unwrap();
        store
            .add_policy_counts(90, &[count("RU", "deny", 1_000)])
            .await
            .unwrap();
        let rows = store.policy_counts_since(95).await.unwrap();
        assert_eq!(rows, vec![count("RU", "deny", 7), count("DE", "allow", 1)]);
    }

    #[tokio::test]
    async fn an_unwritable_data_directory_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, b"x").unwrap();
        let err = Store::open_in_dir(&file.join("data")).await.unwrap_err();
        assert!(
            err.to_string().contains("cannot create the data directory"),
            "{err}"
        );
    }
}
