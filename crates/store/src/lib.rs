//! Persistent storage: schema, migrations and queries, on an embedded
//! SQLite database or a PostgreSQL server.
//!
//! Today the store holds the tracker's completed-download counts, the
//! access policy's hourly counters, member accounts with their sessions
//! and invitations (`accounts`), and the release catalog: categories,
//! releases with their original .torrent bytes, files, tags and comments
//! (`catalog`), browsed and searched full-text (`search`). API tokens
//! live in `api_tokens`; `member_data` gathers everything about one
//! member, to export it or delete the account. `branding` holds the
//! site's name, logo, colours and banner as administrators set them;
//! `traffic` sums the policy counters per hour and country for the
//! admin dashboard. `saved_searches` keeps members' named searches,
//! each the source of an RSS feed.
//!
//! # Layout
//!
//! - [`Database`] says where the data lives: `swarmgate.db` in the data
//!   directory (the default: WAL mode, foreign keys on), or a PostgreSQL
//!   server named by a `postgres://` URL.
//! - [`Store`] is the handle the rest of swarmgate uses; its methods are
//!   the only queries there are.
//! - `sql` holds the SQL both backends share, `sqlite` and `postgres` the
//!   little that differs: connecting, migrations, dialect words.
//! - `migrations/sqlite` and `migrations/postgres` hold one file per
//!   schema change for each backend, same version numbers on both sides;
//!   both sets are embedded with `sqlx::migrate!` and run at start (or by
//!   `swarmgate db migrate`).
//!
//! # Why an enum over two typed pools, not `sqlx::Any`
//!
//! [`Store`] wraps either a `SqlitePool` or a `PgPool`, and each method
//! runs the same code against whichever it holds (the `on_backend!`
//! macro expands the body once per backend, so every query is
//! type-checked against both drivers). `sqlx::Any` would save that match
//! but costs more than it saves:
//!
//! - its value types are the intersection of the drivers: no timestamps,
//!   UUIDs or JSON, which the catalog and accounts will need;
//! - backend options such as SQLite's WAL mode, synchronous level and
//!   busy timeout, or PostgreSQL's `search_path` for per-test schemas, are
//!   only reachable through URL strings;
//! - it picks the driver from the URL at run time, so a query that one
//!   backend cannot decode (PostgreSQL's `SUM` is `NUMERIC`) fails only in
//!   production, not in the per-backend test.
//!
//! The SQL itself is written once: `$1` placeholders (SQLite accepts them
//! too), `INSERT ... ON CONFLICT DO UPDATE` (SQLite 3.24+, PostgreSQL
//! 9.5+), explicit casts where the result types differ. The schemas
//! differ only in spelling: `BLOB` vs `BYTEA`, `INTEGER` vs `BIGINT`.
//!
//! # Privacy
//!
//! No table has a column for an IP address, peer id or anything else that
//! locates a member; peer state lives in the `swarm` crate's memory only.

mod pool;
mod postgres;
mod sql;
mod sqlite;

pub use pool::PoolStats;
pub use sqlite::SQLITE_FILE;
pub use sqlx::postgres::PgConnectOptions;

use sqlx::migrate::{Migrate as _, Migrator};
use sqlx::{PgPool, Row as _, SqlitePool};
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use tracker_proto::InfoHash;

/// What went wrong, by what the caller can do about it: fix the
/// configuration (`DataDir`, `Url`), the server (`Open`), the schema
/// (`Migrate`, `Corrupt`), retry (`Query`), or pick another value
/// (`Conflict`).
///
/// Each message already includes its cause's, so the cause is not also
/// exposed as `source()`: an error chain printed whole (`{:#}`) would
/// repeat it. The variants still carry it for callers that match.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {error}")]
    DataDir {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The database URL does not parse; the message never repeats the URL.
    #[error("invalid database URL: {0}")]
    Url(String),
    #[error("cannot open the database: {0}")]
    Open(sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    #[error("database query failed: {0}")]
    Query(sqlx::Error),
    /// A unique value is taken: `username`, `passkey`, `info_hash`,
    /// `slug` or `value`; or (`category`) a category still in use.
    #[error("that {0} is already taken")]
    Conflict(&'static str),
    /// A row refers to one that does not exist: `category`, `release`,
    /// `category or uploader`.
    #[error("no such {0}")]
    Missing(&'static str),
    #[error("corrupt row in {table}: {what}")]
    Corrupt { table: &'static str, what: String },
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::Query(e)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::Migrate(e)
    }
}

/// Which database engine a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// Where the data lives. `Debug` and `Display` never show a password.
#[derive(Clone)]
pub enum Database {
    /// [`SQLITE_FILE`] in this directory, created with the directory if
    /// missing.
    SqliteInDir(PathBuf),
    /// A PostgreSQL database; it must exist (migrations create tables, not
    /// databases).
    Postgres(Box<PgConnectOptions>),
}

impl Database {
    /// The configured database: PostgreSQL when `url` is given, otherwise
    /// SQLite in `data_dir`.
    pub fn from_config(data_dir: &Path, url: Option<&str>) -> Result<Self, StoreError> {
        match url {
            Some(url) => Ok(Self::Postgres(Box::new(postgres::parse_url(url)?))),
            None => Ok(Self::SqliteInDir(data_dir.to_owned())),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Database::SqliteInDir(_) => Backend::Sqlite,
            Database::Postgres(_) => Backend::Postgres,
        }
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::SqliteInDir(dir) => {
                write!(f, "SQLite database {}", dir.join(SQLITE_FILE).display())
            }
            Database::Postgres(options) => f.write_str(&postgres::describe(options)),
        }
    }
}

/// Hand-written because `PgConnectOptions`'s own `Debug` prints the
/// password.
impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Database({self})")
    }
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

/// What [`Store::migrate`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationReport {
    /// Migrations applied by this run, oldest first: version and
    /// description.
    pub applied: Vec<(i64, String)>,
    /// The newest version the database is at now (0 for none).
    pub version: i64,
}

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the store's typed pool (and
/// `$dialect` to its backend module), expanding it once per backend.
macro_rules! on_backend {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            Pool::Sqlite($pool) => $body,
            Pool::Postgres($pool) => $body,
        }
    };
    ($store:expr, |$pool:ident, $dialect:ident| $body:expr) => {
        match &$store.pool {
            Pool::Sqlite($pool) => {
                use crate::sqlite as $dialect;
                $body
            }
            Pool::Postgres($pool) => {
                use crate::postgres as $dialect;
                $body
            }
        }
    };
}

mod accounting;
mod accounts;
mod backup;
mod catalog;
pub use accounting::{
    ListedRelease, ReleaseName, ReleaseTransfer, TrackerMember, TransferCredit, TransferTotals,
};
pub use accounts::{
    Invite, NewUser, Passkey, PasswordHash, RedeemError, Role, SecretHash, User, Username,
    UsernameError,
};
pub use backup::{BackupError, BackupReport};
mod import;
mod search;
mod search_sql;
pub use catalog::{
    Category, Comment, NewCategory, NewRelease, Release, ReleaseFile, ReleaseStatus,
};
pub use search::{ReleaseHashes, ReleasePage, ReleaseQuery, ReleaseSort, TOTAL_CAP};
mod api_tokens;
mod branding;
mod member_data;
mod traffic;
pub use api_tokens::MAX_API_TOKENS_PER_USER;
pub use branding::{BrandingUpdate, LogoChange, StoredBranding, StoredLogo};
pub use catalog::{MemberComment, ReleaseEdit};
pub use member_data::{
    AccountData, AccountDeletion, ApiTokenData, CommentData, DELETE_MEMBER, InvitationData,
    MEMBER_COLUMNS, MemberData, ReleaseData, SessionData, TransferData, TransferTotalsData,
    UsedInvitationData,
};
pub use traffic::HourlyCount;
mod saved_searches;
pub use member_data::SavedSearchData;
pub use saved_searches::{
    MAX_SAVED_SEARCH_NAME_CHARS, MAX_SAVED_SEARCH_QUERY_BYTES, MAX_SAVED_SEARCHES_PER_USER,
    NewSavedSearch, SaveSearchError, SavedSearch,
};

impl Store {
    /// Connects to `database` and runs pending migrations.
    pub async fn open(database: &Database) -> Result<Self, StoreError> {
        let store = Self::connect(database).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens (creating if needed) the SQLite database in `data_dir` and
    /// runs pending migrations.
    pub async fn open_in_dir(data_dir: &Path) -> Result<Self, StoreError> {
        Self::open(&Database::SqliteInDir(data_dir.to_owned())).await
    }

    /// Connects to `database` without migrating: for `swarmgate db
    /// migrate`, which reports what [`Store::migrate`] applies.
    pub async fn connect(database: &Database) -> Result<Self, StoreError> {
        let pool = match database {
            Database::SqliteInDir(dir) => Pool::Sqlite(sqlite::connect(dir).await?),
            Database::Postgres(options) => Pool::Postgres(postgres::connect(options).await?),
        };
        Ok(Self { pool })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs every embedded migration not yet applied. Several processes
    /// may call it at once: the backend's migration lock serializes them.
    pub async fn migrate(&self) -> Result<MigrationReport, StoreError> {
        on_backend!(self, |pool, dialect| {
            let before = applied_versions(pool).await?;
            dialect::MIGRATOR.run(pool).await?;
            let after = applied_versions(pool).await?;
            Ok(report(&dialect::MIGRATOR, &before, &after))
        })
    }

    /// Every stored completed count.
    pub async fn load_completed(&self) -> Result<Vec<(InfoHash, u64)>, StoreError> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(sql::LOAD_COMPLETED).fetch_all(pool).await?;
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
        })
    }

    /// Writes absolute completed counts in one transaction. Counts only
    /// grow, so an older value never overwrites a newer one.
    pub async fn save_completed(&self, counts: &[(InfoHash, u64)]) -> Result<(), StoreError> {
        if counts.is_empty() {
            return Ok(());
        }
        on_backend!(self, |pool, dialect| {
            let mut tx = pool.begin().await?;
            for chunk in counts.chunks(sql::ROWS_PER_STATEMENT) {
                let text = sql::upsert_completed(chunk.len(), dialect::GREATEST);
                let mut query = sqlx::query(&text);
                for (hash, completed) in chunk {
                    query = query
                        .bind(hash.0.as_slice())
                        .bind(i64::try_from(*completed).unwrap_or(i64::MAX));
                }
                query.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
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
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            for chunk in rows.chunks(sql::ROWS_PER_STATEMENT) {
                let text = sql::add_policy_counts(chunk.len());
                let mut query = sqlx::query(&text).bind(hour);
                for row in chunk {
                    query = query
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
        })
    }

    /// Policy counts summed over the hours from `since_hour` on, largest
    /// first.
    pub async fn policy_counts_since(
        &self,
        since_hour: i64,
    ) -> Result<Vec<PolicyCount>, StoreError> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(sql::POLICY_COUNTS_SINCE)
                .bind(since_hour)
                .fetch_all(pool)
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
        })
    }

    /// Every `table.column` of the schema, sorted: for audits that no
    /// column could hold what must not be stored (privacy tests).
    pub async fn all_columns(&self) -> Result<Vec<String>, StoreError> {
        on_backend!(self, |pool, dialect| {
            Ok(sqlx::query_scalar(dialect::ALL_COLUMNS)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Closes the pool, waiting for in-flight queries.
    pub async fn close(&self) {
        on_backend!(self, |pool| pool.close().await)
    }
}

/// Versions recorded as applied (creating the bookkeeping table if this is
/// a fresh database).
async fn applied_versions<DB>(pool: &sqlx::Pool<DB>) -> Result<BTreeSet<i64>, StoreError>
where
    DB: sqlx::Database,
    DB::Connection: sqlx::migrate::Migrate,
{
    let mut conn = pool.acquire().await?;
    conn.ensure_migrations_table().await?;
    let applied = conn.list_applied_migrations().await?;
    Ok(applied.into_iter().map(|m| m.version).collect())
}

fn report(migrator: &Migrator, before: &BTreeSet<i64>, after: &BTreeSet<i64>) -> MigrationReport {
    let applied = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .filter(|m| after.contains(&m.version) && !before.contains(&m.version))
        .map(|m| (m.version, m.description.to_string()))
        .collect();
    MigrationReport {
        applied,
        version: after.last().copied().unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[tokio::test]
    async fn the_embedded_database_runs_in_wal_mode_with_foreign_keys_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).await.unwrap();
        let Pool::Sqlite(pool) = &store.pool else {
            panic!("open_in_dir opened {}", store.backend());
        };
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(pool)
            .await
            .unwrap();
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!((mode.as_str(), foreign_keys), ("wal", 1));
        store.close().await;
    }

    #[test]
    fn a_database_url_password_never_shows_in_debug_or_display() {
        let db = Database::from_config(
            Path::new("data"),
            Some("postgres://sg:hunter2@db.example:5433/swarmgate"),
        )
        .unwrap();
        let shown = format!("{db} {db:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("swarmgate on db.example:5433"), "{shown}");
    }

    #[test]
    fn a_url_that_is_not_postgres_is_refused_without_echoing_it() {
        let err = Database::from_config(Path::new("data"), Some("mysql://u:hunter2@h/db"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("only postgres://"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn without_a_url_the_database_is_sqlite_in_the_data_directory() {
        let db = Database::from_config(Path::new("/var/lib/sg"), None).unwrap();
        assert_eq!(db.backend(), Backend::Sqlite);
        assert_eq!(db.to_string(), "SQLite database /var/lib/sg/swarmgate.db");
    }
}
