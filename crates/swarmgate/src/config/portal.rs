//! `[portal]` and `[accounts]`: the web portal's address, name and
//! release rules, and member accounts; and their conversion into the
//! portal crate's settings ([`::portal::ReleaseSettings`],
//! [`::portal::AccountSettings`]).

use super::{Config, ConfigError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// The web portal (served by the same process): its address, its name,
/// and how releases are uploaded and handed out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PortalConfig {
    /// Address of the web portal (pages, JSON API, `GET /healthz`).
    pub bind: SocketAddr,
    /// The site's name, shown in page titles and on the 451 page that
    /// tells refused visitors who blocked them.
    pub site_name: String,
    /// The tracker's public announce URLs, as members' clients reach them:
    /// set these to your own (the default only works on this machine).
    /// Each becomes one tier of a downloaded .torrent's `announce-list`,
    /// in this order, and the first is its `announce`. A member's passkey
    /// is appended as the last path segment (`.../announce/<passkey>`), so
    /// each must end in `/announce`. `http://`, `https://` (TLS ended by a reverse proxy) and `udp://`
    /// (the passkey travels as BEP 41 URL data) are allowed. In the
    /// environment: a comma-separated list.
    #[serde(deserialize_with = "super::strings_or_comma_separated")]
    pub announce_urls: Vec<String>,
    /// Whether visitors who are not logged in see magnet links (with the
    /// announce URLs above, without a passkey). Members always get their
    /// personal .torrent and magnet.
    pub anonymous_magnets: bool,
    /// Largest .torrent file accepted for upload, in bytes.
    pub max_torrent_bytes: usize,
    /// Which uploads are accepted by their BEP 27 `private` flag: `any`,
    /// `required` (only private torrents: clients then use this tracker
    /// alone, without DHT or peer exchange) or `forbidden` (only public
    /// ones, for a public tracker whose releases also spread by magnet
    /// link and the DHT).
    pub private_torrents: PrivateTorrents,
    /// The site's public address as members reach it, such as
    /// `https://tracker.example.org`: the start of every link in the RSS
    /// feeds and Torznab results, which programs read outside a browser.
    /// Unset, feeds use the address each request was sent to (its `Host`
    /// header); set it when a reverse proxy forwards requests under
    /// another name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["https://tracker.example.org"]))]
    pub public_url: Option<String>,
    /// Seconds between checks whether the site's branding (name, logo,
    /// colours, banner; set by administrators on `/admin/branding`)
    /// changed in the database: one small query. A save shows at once in
    /// the process that took it; other portal processes on the same
    /// database show it within this long.
    pub branding_reload_interval_secs: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PrivateTorrents {
    Any,
    Required,
    Forbidden,
}

impl Default for PortalConfig {
    fn default() -> Self {
        let releases = ::portal::ReleaseSettings::default();
        Self {
            bind: SocketAddr::from(([0, 0, 0, 0], 8080)),
            site_name: "swarmgate".into(),
            announce_urls: releases.announce_urls,
            anonymous_magnets: releases.anonymous_magnets,
            max_torrent_bytes: releases.max_torrent_bytes,
            private_torrents: PrivateTorrents::Any,
            public_url: releases.public_url,
            branding_reload_interval_secs: 30,
        }
    }
}

/// Schemes an announce URL may have.
const ANNOUNCE_SCHEMES: [&str; 3] = ["http", "https", "udp"];

/// The most a .torrent may weigh: the whole upload is held in memory.
const MAX_TORRENT_BYTES_LIMIT: usize = 256 * 1024 * 1024;

impl PortalConfig {
    /// Checks that go beyond types.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let fail = |key: &str, why: String| Err(ConfigError(format!("portal.{key}: {why}")));
        if self.announce_urls.is_empty() {
            return fail(
                "announce_urls",
                "must list at least one URL (members' .torrent files need a tracker)".into(),
            );
        }
        for url in &self.announce_urls {
            let host = url
                .split_once("://")
                .filter(|(scheme, _)| {
                    ANNOUNCE_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str())
                })
                .map(|(_, rest)| rest.split(['/', '?']).next().unwrap_or(""));
            if host.is_none_or(str::is_empty) || url.chars().any(char::is_whitespace) {
                return fail(
                    "announce_urls",
                    format!("{url:?} is not an http://, https:// or udp:// URL with a host"),
                );
            }
            // Each member's .torrent files get `<url>/<passkey>`, which the
            // tracker reads after `/announce` only.
            let path = url.split_once("://").map_or("", |(_, rest)| {
                rest.split('?').next().unwrap_or("").trim_end_matches('/')
            });
            if !path.ends_with("/announce") {
                return fail(
                    "announce_urls",
                    format!(
                        "{url:?} does not end in /announce: members' passkeys go after it \
                         (.../announce/<passkey>), where the tracker reads them"
                    ),
                );
            }
        }
        if let Some(url) = &self.public_url {
            let host = url
                .split_once("://")
                .filter(|(scheme, _)| {
                    matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https")
                })
                .map(|(_, rest)| rest.split('/').next().unwrap_or(""));
            let clean = !url
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '?' | '#' | '"' | '<' | '>'));
            if host.is_none_or(str::is_empty) || !clean {
                return fail(
                    "public_url",
                    format!(
                        "{url:?} is not an http:// or https:// address with a host \
                         (and no query or fragment)"
                    ),
                );
            }
        }
        if self.branding_reload_interval_secs == 0 {
            return fail("branding_reload_interval_secs", "must be at least 1".into());
        }
        if self.max_torrent_bytes == 0 || self.max_torrent_bytes > MAX_TORRENT_BYTES_LIMIT {
            return fail(
                "max_torrent_bytes",
                format!("must be between 1 and {MAX_TORRENT_BYTES_LIMIT}"),
            );
        }
        Ok(())
    }

    /// The portal's release settings from `[portal]`.
    pub fn release_settings(&self) -> ::portal::ReleaseSettings {
        ::portal::ReleaseSettings {
            announce_urls: self.announce_urls.clone(),
            anonymous_magnets: self.anonymous_magnets,
            max_torrent_bytes: self.max_torrent_bytes,
            private_flag: match self.private_torrents {
                PrivateTorrents::Any => ::portal::PrivateFlag::Any,
                PrivateTorrents::Required => ::portal::PrivateFlag::Required,
                PrivateTorrents::Forbidden => ::portal::PrivateFlag::Forbidden,
            },
            public_url: self
                .public_url
                .as_deref()
                .map(|url| url.trim_end_matches('/').to_owned()),
        }
    }

    /// Announce URLs that point at this machine only: fine for a trial,
    /// useless to anyone else's client.
    pub fn local_announce_urls(&self) -> Vec<&str> {
        self.announce_urls
            .iter()
            .filter(|url| {
                let host = url
                    .split_once("://")
                    .map_or("", |(_, rest)| rest.split(['/', '?']).next().unwrap_or(""));
                let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
                host.eq_ignore_ascii_case("localhost")
                    || host
                        .trim_matches(['[', ']'])
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            })
            .map(String::as_str)
            .collect()
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

impl AccountsConfig {
    /// Checks that go beyond types.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (key, value) in [
            ("session_lifetime_hours", self.session_lifetime_hours),
            ("invite_lifetime_hours", self.invite_lifetime_hours),
            (
                "login_attempts_per_account",
                self.login_attempts_per_account,
            ),
            ("login_attempts_per_source", self.login_attempts_per_source),
            (
                "login_throttle_window_secs",
                self.login_throttle_window_secs,
            ),
        ] {
            if value == 0 {
                return Err(ConfigError(format!("accounts.{key}: must be at least 1")));
            }
        }
        Ok(())
    }
}

impl Config {
    /// The portal's account settings from `[accounts]` and the trusted
    /// proxies.
    pub fn account_settings(&self) -> ::portal::AccountSettings {
        let a = &self.accounts;
        ::portal::AccountSettings {
            registration: match a.registration {
                RegistrationMode::Open => ::portal::Registration::Open,
                RegistrationMode::Invite => ::portal::Registration::Invite,
                RegistrationMode::Closed => ::portal::Registration::Closed,
            },
            session_lifetime_secs: i64::from(a.session_lifetime_hours) * 3600,
            invite_lifetime_secs: i64::from(a.invite_lifetime_hours) * 3600,
            secure_cookies: match a.secure_cookies {
                SecureCookiesMode::Auto => ::portal::SecureCookies::Auto,
                SecureCookiesMode::Always => ::portal::SecureCookies::Always,
            },
            throttle: ::portal::throttle::ThrottleLimits {
                max_per_account: a.login_attempts_per_account,
                max_per_source: a.login_attempts_per_source,
                window_secs: i64::from(a.login_throttle_window_secs),
            },
            trusted_proxies: self.network.trusted_proxies.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    // figment::Jail fixes the closure type; its error is large, and these are tests.
    #![allow(clippy::result_large_err)]

    use super::*;
    use figment::Jail;
    use std::path::Path;

    #[test]
    fn release_settings_come_from_the_file_and_the_environment() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "swarmgate.toml",
                "[portal]\nanonymous_magnets = true\nmax_torrent_bytes = 2048\n\
                 private_torrents = \"required\"\npublic_url = \"https://t.example.org/\"\n",
            )?;
            jail.set_env(
                "SWARMGATE_PORTAL__ANNOUNCE_URLS",
                "https://t.example.org/announce, udp://t.example.org:6969/announce",
            );
            let config = Config::load(Some(Path::new("swarmgate.toml"))).unwrap();
            let settings = config.portal.release_settings();
            assert_eq!(
                settings.announce_urls,
                [
                    "https://t.example.org/announce",
                    "udp://t.example.org:6969/announce"
                ]
            );
            assert!(settings.anonymous_magnets);
            assert_eq!(settings.max_torrent_bytes, 2048);
            assert_eq!(settings.private_flag, ::portal::PrivateFlag::Required);
            assert_eq!(
                settings.public_url.as_deref(),
                Some("https://t.example.org")
            );
            assert!(config.portal.local_announce_urls().is_empty());
            Ok(())
        });
    }

    #[test]
    fn the_defaults_match_the_portals_and_point_at_this_machine() {
        let config = PortalConfig::default();
        let settings = config.release_settings();
        let portal = ::portal::ReleaseSettings::default();
        assert_eq!(settings.announce_urls, portal.announce_urls);
        assert_eq!(settings.max_torrent_bytes, 10 * 1024 * 1024);
        assert_eq!(settings.private_flag, ::portal::PrivateFlag::Any);
        assert!(!settings.anonymous_magnets);
        assert_eq!(
            config.local_announce_urls(),
            ["http://localhost:6969/announce"]
        );
    }

    #[test]
    fn announce_urls_must_be_http_or_udp_urls_with_a_host() {
        for bad in [
            "[]",
            "[\"tracker.example.org/announce\"]",
            "[\"ftp://t.example.org/announce\"]",
            "[\"http:///announce\"]",
            "[\"http://t.example.org/ann ounce\"]",
            // No `/announce` for the passkey to follow.
            "[\"udp://t.example.org:6969\"]",
            "[\"http://t.example.org/tracker\"]",
            "[\"https://t.example.org/announce.php\"]",
        ] {
            Jail::expect_with(|jail| {
                jail.create_file("s.toml", &format!("[portal]\nannounce_urls = {bad}\n"))?;
                let err = Config::load(Some(Path::new("s.toml"))).unwrap_err().0;
                assert!(err.starts_with("portal.announce_urls"), "{bad}: {err}");
                Ok(())
            });
        }
        for bad in [
            "tracker.example.org",
            "ftp://tracker.example.org",
            "https://",
            "https://tracker.example.org/?x=1",
            "https://tracker example.org",
        ] {
            Jail::expect_with(|jail| {
                jail.create_file("s.toml", &format!("[portal]\npublic_url = {bad:?}\n"))?;
                let err = Config::load(Some(Path::new("s.toml"))).unwrap_err().0;
                assert!(err.starts_with("portal.public_url"), "{bad}: {err}");
                Ok(())
            });
        }
        Jail::expect_with(|jail| {
            jail.create_file("s.toml", "[portal]\nmax_torrent_bytes = 0\n")?;
            let err = Config::load(Some(Path::new("s.toml"))).unwrap_err().0;
            assert!(err.starts_with("portal.max_torrent_bytes"), "{err}");
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.set_env("SWARMGATE_PORTAL__BRANDING_RELOAD_INTERVAL_SECS", "0");
            let err = Config::load(None).unwrap_err().0;
            assert!(
                err.starts_with("portal.branding_reload_interval_secs"),
                "{err}"
            );
            Ok(())
        });
    }
}
