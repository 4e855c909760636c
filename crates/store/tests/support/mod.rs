//! Throwaway databases for the store tests: a fresh SQLite directory, or a
//! fresh schema on the PostgreSQL server named by
//! `SWARMGATE_TEST_DATABASE_URL` (`scripts/test-all.sh` starts one with
//! `scripts/pg-test-cluster.sh`).
//!
//! Each PostgreSQL test gets its own schema, reached through
//! `search_path`, so tests run in parallel on one server without seeing
//! each other's tables. A failing test leaves its schema behind for
//! inspection; the throwaway cluster goes with it.

pub mod helpers;

use std::io::Write as _;
use std::str::FromStr as _;
use std::sync::Once;
use std::sync::atomic::{AtomicU32, Ordering};
use store::{Database, PgConnectOptions, Store};

/// The PostgreSQL server the tests may create schemas on.
pub const URL_VAR: &str = "SWARMGATE_TEST_DATABASE_URL";

/// Defines, for each `async fn name(db: &TestDb) { ... }`, a module `name`
/// with two tests, `name::sqlite` and `name::postgres`, running the same
/// body against a fresh database of each backend.
macro_rules! test_on_both_backends {
    ($(async fn $name:ident($db:ident: &TestDb) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let db = TestDb::sqlite();
                run(&db).await;
                db.finish().await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(db) = TestDb::postgres().await else {
                    return;
                };
                run(&db).await;
                db.finish().await;
            }

            async fn run($db: &TestDb) $body
        }
    )*};
}

/// A database no other test uses.
#[derive(Debug)]
pub struct TestDb {
    database: Database,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// Removes itself when dropped.
    Sqlite {
        _dir: tempfile::TempDir,
    },
    Postgres {
        admin_url: String,
        schema: String,
    },
}

impl TestDb {
    /// A fresh data directory for the embedded database.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self {
            database: Database::SqliteInDir(dir.path().to_owned()),
            kind: Kind::Sqlite { _dir: dir },
        }
    }

    /// A fresh schema on the test server, or `None` when no server is
    /// configured: a failure under CI (which always configures one), a
    /// printed note elsewhere.
    pub async fn postgres() -> Option<Self> {
        let Some(admin_url) = std::env::var(URL_VAR).ok().filter(|u| !u.is_empty()) else {
            if in_ci() {
                panic!(
                    "{URL_VAR} is not set: CI must run the store tests against PostgreSQL \
                     (scripts/test-all.sh starts a throwaway server)"
                );
            }
            static NOTE: Once = Once::new();
            // Straight to stderr: libtest captures print!/eprint! of
            // passing tests, and this note must be seen.
            NOTE.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "note: skipping the PostgreSQL store tests: {URL_VAR} is not set \
                     (run scripts/test-all.sh, or scripts/pg-test-cluster.sh start)"
                );
            });
            return None;
        };
        let schema = unique_schema_name();
        admin_execute(&admin_url, &format!("CREATE SCHEMA {schema}")).await;
        let options = PgConnectOptions::from_str(&admin_url)
            .unwrap()
            .options([("search_path", schema.as_str())]);
        Some(Self {
            database: Database::Postgres(Box::new(options)),
            kind: Kind::Postgres { admin_url, schema },
        })
    }

    #[allow(dead_code)] // not every test file needs it
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Opens the store, running migrations.
    pub async fn open(&self) -> Store {
        Store::open(&self.database).await.unwrap()
    }

    /// Removes the database (a temporary directory removes itself).
    pub async fn finish(self) {
        if let Kind::Postgres { admin_url, schema } = &self.kind {
            admin_execute(admin_url, &format!("DROP SCHEMA {schema} CASCADE")).await;
        }
    }
}

/// `CI=true` (GitHub Actions, GitLab, most others) or any other non-empty
/// value but `false` or `0`.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Unique across the parallel tests of this process and across processes.
fn unique_schema_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "store_test_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

async fn admin_execute(admin_url: &str, statement: &str) {
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("connecting to {URL_VAR}: {e}"));
    sqlx::query(statement)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
    conn.close().await.unwrap();
}
