//! Configuration: documented data with defaults that run.
//!
//! Sources, later ones winning: built-in defaults, the TOML file given with
//! `--config`, then environment variables `SWARMGATE_<SECTION>__<KEY>`
//! (e.g. `SWARMGATE_TRACKER__UDP_BIND=127.0.0.1:7000`). Unknown keys and
//! bad values stop the start with a message that names the key.
//! `SWARMGATE_TEST_*` variables are not configuration: they belong to the
//! test harness (the PostgreSQL server of the store tests), which runs the
//! binary with them set.
//!
//! The doc comment on every field is the operator's documentation: it is
//! rendered into `swarmgate config example` (see [`crate::example`]).

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Prefix of the environment variables that set configuration keys.
pub const ENV_PREFIX: &str = "SWARMGATE_";

/// After [`ENV_PREFIX`]: variables of the test harness, not configuration.
const TEST_ENV_PREFIX: &str = "TEST_";

/// The whole configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub tracker: TrackerConfig,
    pub portal: PortalConfig,
    pub accounts: AccountsConfig,
    pub policy: PolicyConfig,
    pub network: NetworkConfig,
    pub storage: StorageConfig,
    pub log: LogConfig,
}

/// The BitTorrent tracker (UDP and HTTP).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TrackerConfig {
    /// Address of the UDP tracker (BEP 15). `0.0.0.0:PORT` also listens on
    /// `[::]:PORT` where the system has IPv6.
    pub udp_bind: SocketAddr,
    /// Address of the HTTP tracker (`/announce`, `/scrape`). `0.0.0.0:PORT`
    /// also listens on `[::]:PORT` where the system has IPv6.
    pub http_bind: SocketAddr,
    /// Threads answering UDP requests; 0 means one per CPU core.
    pub udp_workers: usize,
    /// Seconds clients are asked to wait between announces.
    pub announce_interval_secs: u32,
    /// Seconds clients must wait at least between announces (HTTP
    /// `min interval`).
    pub min_announce_interval_secs: u32,
    /// Seconds after its last announce that a peer is forgotten. Keep it
    /// above `announce_interval_secs`, or idle peers vanish between
    /// announces.
    pub peer_ttl_secs: u32,
    /// Peers handed out when a client does not say how many it wants.
    pub default_numwant: usize,
    /// Most peers handed out per announce, whatever the client asks (at
    /// most 200).
    pub max_numwant: usize,
    /// Which torrents are tracked: `open` (any info-hash, from its first
    /// announce) or `listed` (only the info-hashes of releases approved in
    /// the portal; other announces are refused with "torrent not
    /// registered with this tracker"). Approving, unapproving or deleting
    /// a release takes effect on the tracker at once.
    pub mode: TrackerMode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TrackerMode {
    Open,
    Listed,
}

impl From<TrackerMode> for tracker::TrackerMode {
    fn from(mode: TrackerMode) -> Self {
        match mode {
            TrackerMode::Open => Self::Open,
            TrackerMode::Listed => Self::Listed,
        }
    }
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            udp_bind: SocketAddr::from(([0, 0, 0, 0], 6969)),
            http_bind: SocketAddr::from(([0, 0, 0, 0], 6969)),
            udp_workers: 0,
            announce_interval_secs: 1800,
            min_announce_interval_secs: 900,
            peer_ttl_secs: 2700,
            default_numwant: 50,
            max_numwant: 50,
            mode: TrackerMode::Open,
        }
    }
}

/// The web portal (served by the same process).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PortalConfig {
    /// Address of the web portal (pages, JSON API, `GET /healthz`).
    pub bind: SocketAddr,
    /// The site's name, shown in page titles and on the 451 page that
    /// tells refused visitors who blocked them.
    pub site_name: String,
}

impl Default for PortalConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([0, 0, 0, 0], 8080)),
            site_name: "swarmgate".into(),
        }
    }
}

/// Member accounts: sign-up, sessions, log-in throttling. The first
/// administrator is created with `swarmgate user add NAME --role admin
/// --password-stdin`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AccountsConfig {
    /// Who may create an account: `open` (anyone), `invite` (whoever has
    /// an invitation from an administrator, moderator or uploader) or
    /// `closed` (only `swarmgate user add`).
    pub registration: RegistrationMode,
    /// Hours a login lasts before the member must log in again.
    pub session_lifetime_hours: u32,
    /// Hours an unused invitation stays valid.
    pub invite_lifetime_hours: u32,
    /// When cookies are marked `Secure`: `auto` (when a trusted proxy in
    /// network.trusted_proxies says the request came over HTTPS) or
    /// `always` (the site is only ever reached over HTTPS).
    pub secure_cookies: SecureCookiesMode,
    /// Failed logins to one account, from anywhere, before it is locked
    /// for the rest of the window.
    pub login_attempts_per_account: u32,
    /// Failed logins from one address, to any accounts, before it is
    /// locked for the rest of the window. Addresses are held in memory
    /// for the window only, never stored.
    pub login_attempts_per_source: u32,
    /// Seconds of the login throttling window.
    pub login_throttle_window_secs: u32,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        Self {
            registration: RegistrationMode::Invite,
            session_lifetime_hours: 30 * 24,
            invite_lifetime_hours: 7 * 24,
            secure_cookies: SecureCookiesMode::Auto,
            login_attempts_per_account: 5,
            login_attempts_per_source: 20,
            login_throttle_window_secs: 900,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationMode {
    Open,
    Invite,
    Closed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SecureCookiesMode {
    Auto,
    Always,
}

impl Config {
    /// The portal's account settings from `[accounts]` and the trusted
    /// proxies.
    pub fn account_settings(&self) -> portal::AccountSettings {
        let a = &self.accounts;
        portal::AccountSettings {
            registration: match a.registration {
                RegistrationMode::Open => portal::Registration::Open,
                RegistrationMode::Invite => portal::Registration::Invite,
                RegistrationMode::Closed => portal::Registration::Closed,
            },
            session_lifetime_secs: i64::from(a.session_lifetime_hours) * 3600,
            invite_lifetime_secs: i64::from(a.invite_lifetime_hours) * 3600,
            secure_cookies: match a.secure_cookies {
                SecureCookiesMode::Auto => portal::SecureCookies::Auto,
                SecureCookiesMode::Always => portal::SecureCookies::Always,
            },
            throttle: portal::throttle::ThrottleLimits {
                max_per_account: a.login_attempts_per_account,
                max_per_source: a.login_attempts_per_source,
                window_secs: i64::from(a.login_throttle_window_secs),
            },
            trusted_proxies: self.network.trusted_proxies.clone(),
        }
    }
}

/// Access policy by country and network (see the README's "Access
/// policy" section for the file's format).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConfig {
    /// Policy file (TOML: geo databases, CIDR lists, ordered rules). Unset
    /// means everyone is allowed everywhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["/etc/swarmgate/policy.toml"]))]
    pub file: Option<PathBuf>,
    /// Reload the policy when the file, a geo database or a list it names
    /// changes on disk (checked every `watch_interval_ms`). SIGHUP and
    /// `swarmgate policy reload` always reload.
    pub watch: bool,
    /// Milliseconds between checks for changed policy files.
    pub watch_interval_ms: u64,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            file: None,
            watch: true,
            watch_interval_ms: 250,
        }
    }
}

/// How client addresses are determined.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkConfig {
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` headers are
    /// believed (CIDRs or addresses). From any other address those headers
    /// are ignored. In the environment: a comma-separated list.
    #[serde(deserialize_with = "list_or_comma_separated")]
    #[schemars(with = "Vec<String>")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// Accepts a list, or one comma-separated string (environment variables).
/// A bare address means a single-host network.
fn list_or_comma_separated<'de, D>(deserializer: D) -> Result<Vec<ipnet::IpNet>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        List(Vec<String>),
        One(String),
    }
    let items = match Raw::deserialize(deserializer)? {
        Raw::List(items) => items,
        Raw::One(s) => s.split(',').map(str::to_owned).collect(),
    };
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| serde::de::Error::custom(format!("{s:?} is not a CIDR or address")))
        })
        .collect()
}

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
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            database_url: None,
            stats_flush_interval_secs: 60,
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

/// Log output. No log line ever carries an IP address, passkey or peer id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `text` (human-readable) or `json` (one object per line).
    pub format: LogFormat,
    /// Filter in `tracing` syntax, e.g. `info` or `swarmgate=debug,info`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// A configuration that could not be loaded; the message names the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Defaults, then `file` if given, then `SWARMGATE_*` variables from
    /// the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let env = Env::prefixed(ENV_PREFIX)
            .filter(|key| !key.starts_with(TEST_ENV_PREFIX))
            .split("__");
        Self::load_from(file, env)
    }

    fn load_from(file: Option<&Path>, env: Env) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError(format!(
                    "configuration file {} does not exist",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        Self::extract(figment.merge(env))
    }

    fn extract(figment: Figment) -> Result<Self, ConfigError> {
        let config: Config = figment.extract().map_err(describe_figment_error)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks that go beyond types.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let t = &self.tracker;
        let fail = |key: &str, why: &str| Err(ConfigError(format!("tracker.{key}: {why}")));
        if t.max_numwant == 0 || t.max_numwant > 200 {
            return fail("max_numwant", "must be between 1 and 200");
        }
        if t.default_numwant > t.max_numwant {
            return fail("default_numwant", "must not exceed tracker.max_numwant");
        }
        if t.announce_interval_secs == 0 {
            return fail("announce_interval_secs", "must be at least 1");
        }
        if t.min_announce_interval_secs > t.announce_interval_secs {
            return fail(
                "min_announce_interval_secs",
                "must not exceed tracker.announce_interval_secs",
            );
        }
        if t.peer_ttl_secs <= t.announce_interval_secs {
            return fail(
                "peer_ttl_secs",
                "must exceed tracker.announce_interval_secs",
            );
        }
        let a = &self.accounts;
        for (key, value) in [
            ("session_lifetime_hours", a.session_lifetime_hours),
            ("invite_lifetime_hours", a.invite_lifetime_hours),
            ("login_attempts_per_account", a.login_attempts_per_account),
            ("login_attempts_per_source", a.login_attempts_per_source),
            ("login_throttle_window_secs", a.login_throttle_window_secs),
        ] {
            if value == 0 {
                return Err(ConfigError(format!("accounts.{key}: must be at least 1")));
            }
        }
        if let Some(url) = &self.storage.database_url {
            let scheme = url.expose().split_once("://").map(|(scheme, _)| scheme);
            if !matches!(scheme, Some("postgres" | "postgresql")) {
                return Err(ConfigError(
                    "storage.database_url: must be a postgres:// URL \
                     (leave it unset for the embedded SQLite database)"
                        .into(),
                ));
            }
        }
        if self.storage.stats_flush_interval_secs == 0 {
            return Err(ConfigError(
                "storage.stats_flush_interval_secs: must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

fn describe_figment_error(error: figment::Error) -> ConfigError {
    let messages: Vec<String> = error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let source = e
                .metadata
                .as_ref()
                .map(|m| format!(" (from {})", m.name))
                .unwrap_or_default();
            if key.is_empty() {
                format!("{}{source}", e.kind)
            } else {
                format!("{key}: {}{source}", e.kind)
            }
        })
        .collect();
    ConfigError(format!("invalid configuration: {}", messages.join("; ")))
}

#[cfg(test)]
mod tests {
    // figment::Jail fixes the closure type; its error is large, and these are tests.
    #![allow(clippy::result_large_err)]

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

    #[test]
    fn config_check_output_never_holds_the_database_password() {
        figment::Jail::expect_with(|jail| {
            jail.set_env(
                "SWARMGATE_STORAGE__DATABASE_URL",
                "postgres://sg:hunter2@localhost:5432/swarmgate",
            );
            let config = Config::load(None).unwrap();
            let url = config.storage.database_url.as_ref().unwrap();
            assert_eq!(
                url.expose(),
                "postgres://sg:hunter2@localhost:5432/swarmgate"
            );
            let printed = format!("{} {config:?}", toml::to_string(&config).unwrap());
            assert!(!printed.contains("hunter2"), "{printed}");
            assert!(printed.contains("postgres://sg:***@localhost:5432/swarmgate"));
            Ok(())
        });
    }

    #[test]
    fn the_test_harness_variables_are_not_configuration() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("SWARMGATE_TEST_DATABASE_URL", "postgres://127.0.0.1:1/t");
            jail.set_env("SWARMGATE_TEST_PG_CLUSTER", "/tmp/x");
            assert_eq!(Config::load(None).unwrap(), Config::default());
            Ok(())
        });
    }

    #[test]
    fn a_database_url_that_is_not_postgres_is_rejected_with_its_key() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("SWARMGATE_STORAGE__DATABASE_URL", "mysql://sg:pw@db/sg");
            let err = Config::load(None).unwrap_err().to_string();
            assert!(err.contains("storage.database_url"), "{err}");
            assert!(!err.contains("pw@"), "{err}");
            Ok(())
        });
    }
}
