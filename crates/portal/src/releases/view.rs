//! What a release looks like to a visitor, shared by the pages and the
//! API: who may see it, its swarm counts, its tracker URLs, its JSON.

use super::categories::CategoryTree;
use crate::PortalState;
use crate::error::WebError;
use crate::i18n::Lang;
use crate::legal_block::MayDownload;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use metainfo::{InfoHashV2, InfoHashes, Limits, Metainfo};
use serde::Serialize;
use store::{Release, ReleaseStatus, Role, User};

/// Moderators and admins: they see every release and moderate.
pub(crate) fn is_staff(user: Option<&User>) -> bool {
    user.is_some_and(|u| matches!(u.role, Role::Admin | Role::Moderator))
}

/// Whose uploads are approved at once: staff, and uploaders, the role
/// an admin gives to members trusted to publish without review.
pub(crate) fn is_trusted(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Moderator | Role::Uploader)
}

pub(crate) fn can_see(release: &Release, user: Option<&User>) -> bool {
    may_see(release.status, release.uploader_id, user)
}

/// [`can_see`] for a release known by its status and uploader only.
pub(crate) fn may_see(
    status: ReleaseStatus,
    uploader_id: Option<i64>,
    user: Option<&User>,
) -> bool {
    status == ReleaseStatus::Approved
        || is_staff(user)
        || user.is_some_and(|u| uploader_id == Some(u.id))
}

/// A path segment as a release or comment id; anything else is a 404.
pub(crate) fn parse_id(segment: &str) -> Result<i64, WebError> {
    segment
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(WebError::NotFound)
}

/// The release if this visitor may see it; 404 otherwise.
pub(crate) async fn visible_release(
    state: &PortalState,
    user: Option<&User>,
    id: i64,
) -> Result<Release, WebError> {
    match state.store.release(id).await? {
        Some(release) if can_see(&release, user) => Ok(release),
        _ => Err(WebError::NotFound),
    }
}

pub(crate) fn hashes(release: &Release) -> Result<InfoHashes, WebError> {
    InfoHashes::from_parts(release.info_hash_v1, release.info_hash_v2.map(InfoHashV2))
        .ok_or_else(|| WebError::Internal(format!("release {} has no info-hash", release.id)))
}

/// Live counts from this node's swarm, summed over the hashes a tracker
/// sees (a hybrid torrent's peers announce under either).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub(crate) struct Counts {
    pub seeders: u64,
    pub leechers: u64,
    pub completed: u64,
}

pub(crate) fn counts(state: &PortalState, hashes: &InfoHashes) -> Counts {
    hashes
        .tracker_hashes()
        .map(|h| state.tracker.swarm().scrape(&h))
        .fold(Counts::default(), |sum, c| Counts {
            seeders: sum.seeders + u64::from(c.seeders),
            leechers: sum.leechers + u64::from(c.leechers),
            completed: sum.completed + c.completed,
        })
}

/// The tracker URLs this visitor gets: with their passkey when logged
/// in, bare when anonymous magnets are allowed, none otherwise.
pub(crate) fn tracker_urls(state: &PortalState, user: Option<&User>) -> Option<Vec<String>> {
    match user {
        Some(user) => Some(state.releases.personal_announce_urls(user.passkey.expose())),
        None if state.releases.anonymous_magnets => Some(state.releases.announce_urls.clone()),
        None => None,
    }
}

/// The release's magnet link for this visitor: none where the policy
/// refuses them .torrent files, since the link carries the same tracker
/// URLs.
pub(crate) fn magnet(
    state: &PortalState,
    user: Option<&User>,
    release: &Release,
    may: MayDownload,
) -> Result<Option<String>, WebError> {
    Ok(magnet_with(state, user, release, &hashes(release)?, may))
}

/// [`magnet`] of a release whose `hashes` are known.
pub(crate) fn magnet_with(
    state: &PortalState,
    user: Option<&User>,
    release: &Release,
    hashes: &InfoHashes,
    MayDownload(may): MayDownload,
) -> Option<String> {
    let urls = tracker_urls(state, user).filter(|_| may)?;
    Some(metainfo::magnet_link(
        hashes,
        &release.title,
        Some(release.size),
        &urls,
    ))
}

/// The stored .torrent with the member's passkey in `announce` and in
/// every tier of `announce-list`; the info dictionary is copied byte for
/// byte, so the info-hashes are the uploaded file's.
pub(crate) async fn personal_torrent(
    state: &PortalState,
    user: &User,
    release: &Release,
) -> Result<Vec<u8>, WebError> {
    let bytes = state
        .store
        .release_torrent(release.id)
        .await?
        .ok_or(WebError::NotFound)?;
    // Stored files passed this parse at upload; only the size limit may
    // have shrunk since, so parse without it.
    let limits = Limits {
        max_input_bytes: usize::MAX,
        ..Limits::default()
    };
    let meta = Metainfo::parse(&bytes, &limits)
        .map_err(|e| WebError::Internal(format!("stored release {}: {e}", release.id)))?;
    let urls = state.releases.personal_announce_urls(user.passkey.expose());
    let Some(first) = urls.first() else {
        return Err(WebError::refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_tracker_configured",
            crate::i18n::Text::error_no_tracker,
        ));
    };
    let tiers: Vec<Vec<String>> = urls.iter().map(|u| vec![u.clone()]).collect();
    Ok(meta.with_announce(first, &tiers))
}

/// [`personal_torrent`] as a download: typed, named after the title, and
/// kept out of every shared cache, as it carries the member's passkey.
pub(crate) async fn personal_torrent_response(
    state: &PortalState,
    user: &User,
    release: &Release,
) -> Result<Response, WebError> {
    let bytes = personal_torrent(state, user, release).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-bittorrent"),
    );
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&torrent_file_name(release))) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// A file name for the download: the title's letters, digits and a few
/// safe marks, the rest as `_`.
pub(crate) fn torrent_file_name(release: &Release) -> String {
    let mut name: String = release
        .title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if name.trim().is_empty() {
        name = format!("release-{}", release.id);
    }
    format!("{name}.torrent")
}

/// A `Content-Disposition` value naming the file, ASCII fallback plus
/// RFC 5987 UTF-8.
pub(crate) fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_') {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A release in listings and the API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Release)]
pub(crate) struct ReleaseJson {
    pub id: i64,
    pub title: String,
    pub size: u64,
    /// The v1 hash for v1 and hybrid torrents, the v2 hash for v2 ones
    /// (hex).
    pub info_hash: String,
    pub info_hash_v1: Option<String>,
    pub info_hash_v2: Option<String>,
    /// The category's slug.
    pub category: Option<String>,
    #[schema(schema_with = crate::openapi::status_schema)]
    pub status: &'static str,
    /// Live, from this node's tracker, summed over the torrent's
    /// info-hashes.
    pub seeders: u64,
    pub leechers: u64,
    /// Completed downloads the tracker counted.
    pub completed: u64,
    /// Downloads of it do not count against ratios (tracker mode
    /// `private`).
    pub freeleech: bool,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    pub added: String,
}

pub(crate) fn release_json(
    state: &PortalState,
    tree: &CategoryTree,
    release: &Release,
) -> Result<ReleaseJson, WebError> {
    let hashes = hashes(release)?;
    let counts = counts(state, &hashes);
    let v1 = hashes.v1().map(|h| h.to_hex());
    let v2 = hashes.v2().map(|h| h.to_hex());
    Ok(ReleaseJson {
        id: release.id,
        title: release.title.clone(),
        size: release.size,
        info_hash: v1.clone().or_else(|| v2.clone()).unwrap_or_default(),
        info_hash_v1: v1,
        info_hash_v2: v2,
        category: tree.get(release.category_id).map(|c| c.slug.clone()),
        status: release.status.as_str(),
        seeders: counts.seeders,
        leechers: counts.leechers,
        completed: counts.completed,
        freeleech: release.freeleech,
        added: datetime(release.created_at),
    })
}

/// RFC 3339 (UTC, seconds) of a Unix time.
pub(crate) fn datetime(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        crate::pages::date(unix),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// A size in bytes for people: `1.5 GiB`.
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A category's name in the visitor's language.
pub(crate) fn category_name(category: &store::Category, lang: Lang) -> &str {
    match lang {
        Lang::En => &category.name_en,
        Lang::Ru => &category.name_ru,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_times_read_like_people_write_them() {
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(3 << 30), "3.0 GiB");
        assert_eq!(datetime(1_767_225_600 + 3_723), "2026-01-01T01:02:03Z");
    }

    #[test]
    fn download_names_keep_letters_and_encode_the_rest() {
        assert_eq!(
            content_disposition("Ёж \"x\".torrent"),
            "attachment; filename=\"____x_.torrent\"; \
             filename*=UTF-8''%D0%81%D0%B6%20%22x%22.torrent"
        );
    }
}
