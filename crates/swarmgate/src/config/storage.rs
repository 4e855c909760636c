//! `[storage]`: the data directory, the database, and how often counts
//! are written; [`SecretUrl`] keeps the database password out of print.

use super::ConfigError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Where and how swarmgate keeps its data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// Directory for the embedded SQLite database (unless `database_url`
    /// is set) and the control socket; created if missing.
    pub data_dir: PathBuf,
    /// PostgreSQL database to use instead of the embedded SQLite one:
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE`. The database must
    /// exist; its tables are created at start (or by `swarmgate db
    /// migrate`). The password never appears in logs or `config check`.
    /// Best set in the environment: SWARMGATE_STORAGE__DATABASE_URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    #[schemars(extend("examples" = ["postgres://swarmgate:PASSWORD@localhost:5432/swarmgate"]))]
    pub database_url: Option<SecretUrl>,
    /// Seconds between writes of changed completed-download counts to the
    /// database (they are also written at shutdown).
    pub stats_flush_interval_secs: u64,
    /// Seconds between refreshes of the per-release seeder counts that
    /// the catalog's "most seeders" order sorts by: each refresh reads
    /// the tracker's live counts and writes the ones that changed. Pages
    /// always show live counts; only that order lags by up to this long.
    pub seeders_refresh_interval_secs: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            database_url: None,
            stats_flush_interval_secs: 60,
            seeders_refresh_interval_secs: 60,
        }
    }
}

/// A database URL that keeps its password to itself: `Debug`, `Display`
/// and `Serialize` (hence `config check`) show `***` in its place, so a
/// configuration can be printed or logged whole. Only [`SecretUrl::expose`]
/// gives the real URL, to the database driver.
///
/// Serializing is therefore lossy on purpose: a printed configuration does
/// not load back with the password.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct SecretUrl(String);

impl SecretUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The URL with its password, for connecting and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with the password of its user info and any `password`
    /// query parameter replaced by `***`. Text that is not a URL at all is
    /// hidden entirely: it may be a password pasted in the wrong place.
    pub fn redacted(&self) -> String {
        const MASK: &str = "***";
        let Some((scheme, rest)) = self.0.split_once("://") else {
            return MASK.into();
        };
        let (before_query, query) = match rest.split_once('?') {
            Some((before, query)) => (before, Some(query)),
            None => (rest, None),
        };
        // The user info ends at the last `@`: an unescaped `/` or `@` in a
        // password must not let part of it through.
        let mut out = match before_query.rsplit_once('@') {
            Some((userinfo, host_and_path)) => match userinfo.split_once(':') {
                Some((user, _password)) => format!("{scheme}://{user}:{MASK}@{host_and_path}"),
                None => format!("{scheme}://{userinfo}@{host_and_path}"),
            },
            None => format!("{scheme}://{before_query}"),
        };
        if let Some(query) = query {
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}={MASK}")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            out.push('?');
            out.push_str(&pairs.join("&"));
        }
        out
    }
}

impl std::fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretUrl({:?})", self.redacted())
    }
}

impl std::fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl Serialize for SecretUrl {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.redacted())
    }
}

impl StorageConfig {
    /// Checks that go beyond types.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.database_url {
            let scheme = url.expose().split_once("://").map(|(scheme, _)| scheme);
            if !matches!(scheme, Some("postgres" | "postgresql")) {
                return Err(ConfigError(
                    "storage.database_url: must be a postgres:// URL \
                     (leave it unset for the embedded SQLite database)"
                        .into(),
                ));
            }
        }
        if self.stats_flush_interval_secs == 0 {
            return Err(ConfigError(
                "storage.stats_flush_interval_secs: must be at least 1".into(),
            ));
        }
        if self.seeders_refresh_interval_secs == 0 {
            return Err(ConfigError(
                "storage.seeders_refresh_interval_secs: must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_shows_everything_but_its_passwords() {
        let cases = [
            (
                "postgres://sg:hunter2@db:5432/swarmgate",
                "postgres://sg:***@db:5432/swarmgate",
            ),
            ("postgres://sg@db/swarmgate", "postgres://sg@db/swarmgate"),
            (
                "postgresql://db/sg?user=sg&password=hunter2&sslmode=disable",
                "postgresql://db/sg?user=sg&password=***&sslmode=disable",
            ),
            // Unescaped `/` and `@` in the password.
            ("postgres://sg:hun/t@r2@db/sg", "postgres://sg:***@db/sg"),
            ("hunter2", "***"),
        ];
        for (url, shown) in cases {
            let secret = SecretUrl::new(url);
            assert_eq!(secret.to_string(), shown);
            assert_eq!(format!("{secret:?}"), format!("SecretUrl({shown:?})"));
            assert_eq!(secret.expose(), url);
        }
    }
}
