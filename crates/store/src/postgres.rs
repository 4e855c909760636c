//! What only the PostgreSQL backend knows: how to connect, its
//! migrations, and the few words of its dialect that SQLite spells
//! differently.
//!
//! TLS is not compiled in: `sslmode=prefer` (the default) talks plain
//! TCP, and `sslmode=require` fails with a clear error. Reach the server
//! over a Unix socket (`?host=/run/postgresql`) or a private network.

use crate::StoreError;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection as _, PgConnection, PgPool};
use std::str::FromStr;
use std::time::Duration;

/// The PostgreSQL migrations, embedded in the binary.
pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// The scalar function returning the larger of two values.
pub(crate) const GREATEST: &str = "GREATEST";

/// Every `table.column` of the current schema but sqlx's own table.
pub(crate) const ALL_COLUMNS: &str = "SELECT table_name || '.' || column_name FROM information_schema.columns \
     WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' \
     ORDER BY 1";

/// Parses a `postgres://` or `postgresql://` URL. The error never repeats
/// the URL: it may hold a password.
pub(crate) fn parse_url(url: &str) -> Result<PgConnectOptions, StoreError> {
    let scheme = url.split_once("://").map(|(scheme, _)| scheme);
    if !matches!(scheme, Some("postgres" | "postgresql")) {
        return Err(StoreError::Url(
            "only postgres:// URLs are supported (leave it unset for the embedded SQLite database)"
                .into(),
        ));
    }
    let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::Url(e.to_string()))?;
    // Name the connections in pg_stat_activity unless the URL already does.
    Ok(match options.get_application_name() {
        Some(_) => options,
        None => options.application_name("swarmgate"),
    })
}

/// Where `options` point, without user or password: for logs and errors.
pub(crate) fn describe(options: &PgConnectOptions) -> String {
    let database = options.get_database().unwrap_or("(default)");
    match options.get_socket() {
        Some(dir) => format!("PostgreSQL database {database} via {}", dir.display()),
        None => format!(
            "PostgreSQL database {database} on {}:{}",
            options.get_host(),
            options.get_port()
        ),
    }
}

/// How long connecting may take before start-up gives up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects a pool, failing at once with the server's own reason (refused,
/// unknown database, bad password) when the first connection fails.
///
/// The pool alone would retry a refused connection until its acquire
/// timeout and then report only "pool timed out"; one direct connection
/// first keeps the real cause. Waiting for a server that is still starting
/// is the service manager's job (restart on failure).
pub(crate) async fn connect(options: &PgConnectOptions) -> Result<PgPool, StoreError> {
    // NOTICEs ("relation _sqlx_migrations already exists, skipping" at
    // every start) would reach the log at info level; warnings still do.
    let options = &options
        .clone()
        .options([("client_min_messages", "warning")]);
    let probe = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(options))
        .await
        .map_err(|_| {
            StoreError::Open(sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
            )))
        })?
        .map_err(StoreError::Open)?;
    // A failed goodbye does not matter: the connection is dropped anyway.
    let _ = probe.close().await;
    PgPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(options.clone())
        .await
        .map_err(StoreError::Open)
}

/// Indexes release $1's search document $2 (see `search`): the words
/// are already folded, so 'simple' only splits them.
pub(crate) const INDEX_RELEASE: &str =
    "UPDATE releases SET search = to_tsvector('simple', $2) WHERE id = $1";

/// Releases whose `search` vector matches the tsquery text in `$n`.
pub(crate) fn text_match(n: usize) -> String {
    format!("r.search @@ to_tsquery('simple', ${n})")
}

/// A tsquery requiring every term (`&`), each a quoted lexeme so no
/// character of the user's is an operator (`!`, `|`, `<->`, `(`), the
/// last one a prefix (`:*`) when [`crate::search::Terms::prefix_last`].
pub(crate) fn match_expression(terms: &crate::search::Terms) -> String {
    let mut expression = String::new();
    for (i, word) in terms.words().iter().enumerate() {
        if i > 0 {
            expression.push_str(" & ");
        }
        expression.push('\'');
        expression.push_str(&word.replace('\\', "\\\\").replace('\'', "''"));
        expression.push('\'');
    }
    if terms.prefix_last() {
        expression.push_str(":*");
    }
    expression
}

/// The planner chooses between the GIN index and the order's index
/// itself (see [`PERSISTENT_LISTING`]).
pub(crate) const DRIVE_FROM_MATCHES: bool = false;

/// Listings run as unnamed statements, planned with their parameters
/// each time. A prepared statement switches to a generic plan after five
/// runs, and a generic plan cannot see how many releases `search @@ $n`
/// matches: it walks the date index for every query, which reads the
/// whole index for a word that matches nothing. Planning costs well
/// under a millisecond.
pub(crate) const PERSISTENT_LISTING: bool = false;

/// PostgreSQL has no index hints; its planner chooses.
pub(crate) fn order_index(_sort: crate::search::ReleaseSort) -> Option<&'static str> {
    None
}

/// Title order in the database's collation, case folded.
pub(crate) const BY_NAME: &str = "lower(r.title), r.id";
