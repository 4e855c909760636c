//! The release part of the portal's configuration.

/// Which torrents may be uploaded, by their BEP 27 `private` flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivateFlag {
    /// Either kind.
    Any,
    /// Only private torrents: clients then use this tracker alone (no
    /// DHT, no peer exchange), as a private tracker wants.
    Required,
    /// Only public torrents: for a public tracker whose releases are
    /// also shared by magnet link and the DHT.
    Forbidden,
}

/// How releases are uploaded and handed out.
#[derive(Clone, Debug)]
pub struct ReleaseSettings {
    /// The tracker's announce URLs as members' clients reach them, tried
    /// in order (each becomes one tier of `announce-list`). A member's
    /// passkey is appended as a path segment: `.../announce/<passkey>`
    /// (HTTP, and UDP's BEP 41 URL data).
    pub announce_urls: Vec<String>,
    /// Whether visitors who are not logged in get magnet links (with the
    /// announce URLs, without a passkey).
    pub anonymous_magnets: bool,
    /// Largest .torrent file accepted, in bytes.
    pub max_torrent_bytes: usize,
    pub private_flag: PrivateFlag,
    /// The site's public address (`https://tracker.example`), which
    /// feeds write into their links; `None`: the request's `Host`.
    pub public_url: Option<String>,
}

impl Default for ReleaseSettings {
    fn default() -> Self {
        Self {
            announce_urls: vec!["http://localhost:6969/announce".into()],
            anonymous_magnets: false,
            max_torrent_bytes: 10 * 1024 * 1024,
            private_flag: PrivateFlag::Any,
            public_url: None,
        }
    }
}

/// Room for an upload's other fields (title, description, tags,
/// category, the CSRF token) and the multipart framing.
pub(crate) const UPLOAD_FIELDS_BYTES: usize = 256 * 1024;

impl ReleaseSettings {
    /// The largest upload request body read.
    pub fn max_upload_body(&self) -> usize {
        self.max_torrent_bytes.saturating_add(UPLOAD_FIELDS_BYTES)
    }

    /// The announce URLs carrying `passkey`: `/<passkey>` appended to the
    /// path, before any query string.
    pub fn personal_announce_urls(&self, passkey: &str) -> Vec<String> {
        self.announce_urls
            .iter()
            .map(|url| with_passkey(url, passkey))
            .collect()
    }
}

fn with_passkey(url: &str, passkey: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut out = format!("{}/{passkey}", base.trim_end_matches('/'));
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_passkey_becomes_the_last_path_segment_of_every_url() {
        let settings = ReleaseSettings {
            announce_urls: vec![
                "http://t.example:6969/announce".into(),
                "udp://t.example:6969/announce/".into(),
                "https://t.example/announce?x=1".into(),
            ],
            ..ReleaseSettings::default()
        };
        assert_eq!(
            settings.personal_announce_urls("ab12"),
            [
                "http://t.example:6969/announce/ab12",
                "udp://t.example:6969/announce/ab12",
                "https://t.example/announce/ab12?x=1",
            ]
        );
    }
}
