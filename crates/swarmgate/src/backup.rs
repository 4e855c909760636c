//! `swarmgate backup <file>`: a consistent copy of the SQLite database,
//! safe while the server runs (`Store::backup_into`); for PostgreSQL, how
//! to use `pg_dump` instead.

use crate::app::database;
use crate::config::Config;
use anyhow::{Context as _, bail};
use std::path::Path;
use store::{BackupError, Database, SQLITE_FILE, Store};

/// Writes the backup and describes it, or says why not.
pub async fn backup(config: &Config, file: &Path) -> anyhow::Result<String> {
    let database = database(config)?;
    match &database {
        Database::Postgres(_) => return Err(postgres_hint(file)),
        Database::SqliteInDir(dir) => {
            let db = dir.join(SQLITE_FILE);
            if !db.is_file() {
                bail!(
                    "no database at {} (storage.data_dir is {}; has swarmgate run with it?)",
                    db.display(),
                    dir.display()
                );
            }
        }
    }
    let store = Store::connect(&database)
        .await
        .with_context(|| format!("opening the {database}"))?;
    let result = store.backup_into(file).await;
    store.close().await;
    match result {
        Ok(report) => Ok(format!(
            "wrote {}: {} bytes, {} accounts, {} releases\n\
             a consistent copy of the {database}; to restore, stop swarmgate and put \
             it in place of {SQLITE_FILE} in storage.data_dir (remove any {SQLITE_FILE}-wal \
             and {SQLITE_FILE}-shm beside it)\n",
            report.path.display(),
            report.bytes,
            report.users,
            report.releases,
        )),
        Err(BackupError::Postgres) => Err(postgres_hint(file)),
        Err(e) => Err(e).with_context(|| format!("backing up the {database}")),
    }
}

fn postgres_hint(file: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "storage.database_url points at PostgreSQL, which swarmgate does not copy itself: \
         use pg_dump, which takes a consistent snapshot while swarmgate runs, e.g.\n  \
         pg_dump --format=custom --file={} \"$DATABASE_URL\"\n\
         with the URL from your configuration, and pg_restore to bring it back",
        file.display()
    )
}
