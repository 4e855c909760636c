//! Feeds for programs: the Torznab indexer API the *arr stack searches
//! (`torznab`), RSS 2.0 feeds for feed readers (`rss`), members' saved
//! searches that each get a feed (`saved`), and the .torrent download
//! both link to, which needs no cookie (`download`). `categories` maps
//! the site's tree to Torznab's numbers; `xml` writes the documents.
//!
//! # Credentials
//!
//! Programs cannot log in, so a secret travels in the URL:
//!
//! - Torznab's `apikey` is a member's API token (`POST
//!   /api/v1/auth/token`) or their passkey.
//! - A feed's RSS key is the member's passkey (`?passkey=`). It needs no
//!   column, rotation or export of its own: the items of a keyed feed
//!   carry the passkey in their download links anyway, so a separate
//!   key would protect nothing the feed does not already reveal, and
//!   rotating the passkey (profile) retires every keyed feed URL and
//!   every link in them at once.
//! - The download link `/feeds/torrent/{id}?passkey=` answers with the
//!   member's personal .torrent, as `/releases/{id}/download` does for a
//!   logged-in member.
//!
//! An unknown key is refused; so is a disabled account's passkey (its
//! API tokens are revoked when it is disabled). No feed stores or logs
//! anything about who fetched it.
//!
//! # Addresses
//!
//! Feeds need absolute URLs. They start with `portal.public_url` when
//! the operator set it, else with the request's `Host` and the scheme it
//! came over: `https` when `accounts.secure_cookies = "always"` says
//! every visitor arrives over TLS, or when a trusted proxy says so (see
//! [`PortalState::is_tls`]).

mod categories;
mod download;
mod rss;
mod saved;
mod torznab;
mod xml;

pub(crate) use saved::{SavedSearchRow, feed_url, saved_search_rows};

use crate::PortalState;
use crate::releases::hashes;
use axum::Router;
use axum::http::{HeaderMap, header};
use metainfo::InfoHashes;
use std::net::SocketAddr;
use store::{Passkey, Release, User};

pub fn router() -> Router<PortalState> {
    torznab::router()
        .merge(rss::router())
        .merge(saved::router())
        .merge(download::router())
}

/// The site's address without a trailing `/`, as feed URLs start; `None`
/// when no `public_url` is configured and the request names no valid
/// host.
pub(crate) fn site_url(
    state: &PortalState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Option<String> {
    if let Some(url) = &state.releases.public_url {
        return Some(url.trim_end_matches('/').to_owned());
    }
    let host = headers.get(header::HOST)?.to_str().ok()?.trim();
    // A host name or address with an optional port; anything else would
    // be written into every link of the answer.
    let valid = !host.is_empty()
        && host.len() <= 260
        && host.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'[' | b']')
        });
    let scheme = if state.is_tls(peer, headers) {
        "https"
    } else {
        "http"
    };
    valid.then(|| format!("{scheme}://{host}"))
}

/// A release's page.
pub(crate) fn release_url(site: &str, id: i64) -> String {
    format!("{site}/releases/{id}")
}

/// The cookieless download of release `id` with `passkey`.
pub(crate) fn download_url(site: &str, id: i64, passkey: &Passkey) -> String {
    format!("{site}/feeds/torrent/{id}?passkey={}", passkey.expose())
}

/// Why a passkey given as a feed key was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyRefusal {
    /// Not a passkey, or nobody's.
    Unknown,
    /// The account is disabled.
    Disabled,
}

/// The enabled account whose passkey `key` is.
pub(crate) async fn member_by_passkey(
    state: &PortalState,
    key: &str,
) -> Result<Result<User, KeyRefusal>, store::StoreError> {
    let Some(passkey) = Passkey::parse(key.trim()) else {
        return Ok(Err(KeyRefusal::Unknown));
    };
    Ok(match state.store.user_by_passkey(&passkey).await? {
        None => Err(KeyRefusal::Unknown),
        Some(user) if user.disabled => Err(KeyRefusal::Disabled),
        Some(user) => Ok(user),
    })
}

/// A release's info-hashes for its feed item. A release stored without
/// any (never from an upload, which requires one) is logged and left out
/// of the feed, rather than failing it for every other release.
pub(crate) fn listed_hashes(release: &Release) -> Option<InfoHashes> {
    match hashes(release) {
        Ok(hashes) => Some(hashes),
        Err(_) => {
            tracing::error!(
                release = release.id,
                "release has no info-hash: left out of a feed"
            );
            None
        }
    }
}

/// A Unix time as RFC 822 (section 5, with a four-digit year, as RSS
/// 2.0 uses it): `Thu, 01 Jan 2026 00:00:00 +0000`.
pub(crate) fn rfc822(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // 1970-01-01 was a Thursday.
    let weekday = DAYS[usize::try_from(unix.div_euclid(86_400).rem_euclid(7)).unwrap_or(0)];
    let date = crate::pages::date(unix);
    let mut parts = date.rsplitn(3, '-');
    let day = parts.next().unwrap_or("01");
    let month: usize = parts.next().and_then(|m| m.parse().ok()).unwrap_or(1);
    let year = parts.next().unwrap_or("1970");
    let secs = unix.rem_euclid(86_400);
    format!(
        "{weekday}, {day} {} {year} {:02}:{:02}:{:02} +0000",
        MONTHS[month.clamp(1, 12) - 1],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc_822_in_utc() {
        assert_eq!(rfc822(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(
            rfc822(1_767_225_600 + 3_723),
            "Thu, 01 Jan 2026 01:02:03 +0000"
        );
        assert_eq!(
            rfc822(951_782_400 + 86_399),
            "Tue, 29 Feb 2000 23:59:59 +0000"
        );
        assert_eq!(rfc822(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 +0000");
    }
}
