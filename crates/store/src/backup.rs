//! A consistent copy of the SQLite database while the server runs.
//!
//! `VACUUM INTO` reads the database inside one read transaction (WAL mode
//! lets the tracker's flushes go on meanwhile) and writes a compact,
//! self-contained file: no `-wal` or `-shm` beside it to forget. The copy
//! is written under a temporary name next to the target, checked with
//! `PRAGMA quick_check`, and only then linked into place (a link, unlike
//! a rename, never replaces a file that appeared meanwhile), so a full
//! disk or a crash never leaves a half-written file under the name the
//! operator asked for. PostgreSQL has its own tool for this (`pg_dump`).

use crate::{Pool, Store, StoreError};
use sqlx::ConnectOptions as _;
use sqlx::sqlite::SqliteConnectOptions;
use std::fs::OpenOptions;
use std::io;
use std::path::{Path, PathBuf};

/// What a backup wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub users: i64,
    pub releases: i64,
}

/// Why a backup was not made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists; choose a new file name (backups are never overwritten)")]
    Exists(PathBuf),
    #[error("cannot write {path}: {error}")]
    Io { path: PathBuf, error: io::Error },
    #[error("copying the database failed: {0}")]
    Copy(sqlx::Error),
    #[error("the copy failed its integrity check: {0}")]
    Check(String),
    #[error("this is a PostgreSQL database; back it up with pg_dump")]
    Postgres,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// Writes a consistent copy of the SQLite database to `target`, a
    /// new file (mode 0600: it holds password hashes and passkeys).
    pub async fn backup_into(&self, target: &Path) -> Result<BackupReport, BackupError> {
        let Pool::Sqlite(pool) = &self.pool else {
            return Err(BackupError::Postgres);
        };
        if target.exists() {
            return Err(BackupError::Exists(target.to_owned()));
        }
        let partial = partial_name(target);
        let io_error = |path: &Path| {
            let path = path.to_owned();
            move |error| BackupError::Io { path, error }
        };
        // SQLite writes into an empty file it is given, keeping its mode.
        create_private(&partial).map_err(io_error(&partial))?;
        let written = async {
            let name = partial.to_str().ok_or_else(|| BackupError::Io {
                path: partial.clone(),
                error: io::Error::new(io::ErrorKind::InvalidInput, "the path is not UTF-8"),
            })?;
            sqlx::query("VACUUM INTO ?")
                .bind(name)
                .execute(pool)
                .await
                .map_err(BackupError::Copy)?;
            check(&partial).await
        }
        .await;
        let (users, releases) = match written {
            Ok(counts) => counts,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        // A hard link fails if the target appeared meanwhile, where a
        // rename would replace it. File systems without hard links get
        // the rename after one more look.
        let placed = match std::fs::hard_link(&partial, target) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                Err(BackupError::Exists(target.to_owned()))
            }
            Err(_) if !target.exists() => {
                std::fs::rename(&partial, target).map_err(io_error(target))
            }
            Err(error) => Err(BackupError::Io {
                path: target.to_owned(),
                error,
            }),
        };
        let _ = std::fs::remove_file(&partial);
        placed?;
        let bytes = std::fs::metadata(target).map_err(io_error(target))?.len();
        Ok(BackupReport {
            path: target.to_owned(),
            bytes,
            users,
            releases,
        })
    }
}

/// `<target>.partial` beside the target, so the rename stays on one file
/// system.
fn partial_name(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn create_private(path: &Path) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// Opens the copy read-only: `quick_check` must say `ok`; returns its
/// users and releases.
async fn check(path: &Path) -> Result<(i64, i64), BackupError> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(BackupError::Copy)?;
    let verdict: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await
        .map_err(BackupError::Copy)?;
    if verdict != "ok" {
        return Err(BackupError::Check(verdict));
    }
    let (users, releases): (i64, i64) =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM releases)")
            .fetch_one(&mut conn)
            .await
            .map_err(BackupError::Copy)?;
    Ok((users, releases))
}
