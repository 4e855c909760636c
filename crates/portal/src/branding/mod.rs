//! Live branding: the site's name, logo, accent colours and banner, set by
//! administrators on `/admin/branding` (`pages`) and shown by the shared
//! layout on every page.
//!
//! The stored row (`store::StoredBranding`) is resolved once into a
//! [`Branding`] (defaults filled in, the logo's content hash computed) and
//! kept in a [`BrandingCache`]: an `ArcSwap` that every request loads
//! without a lock and a save replaces whole, so the next page load shows
//! the change and no page ever mixes two versions. Other portal processes
//! on the same database notice a save through [`BrandingCache::reload`],
//! which the binary calls on a timer: it reads one integer and fetches the
//! row only when that changed.
//!
//! Nothing set means the built-in look: the configured site name, links
//! in [`DEFAULT_ACCENT`], no band, no banner, no logo. The logo is served
//! at a URL naming its content hash (`/branding/logo/<hash>.png`), so
//! browsers may cache it for a year and a new logo is a new URL.

mod logo;
mod pages;

pub use logo::{LogoError, LogoKind, MAX_LOGO_BYTES, check_png, sanitize_svg};
pub(crate) use pages::{MAX_FORM_BODY, router};

use arc_swap::ArcSwap;
use sha2::{Digest as _, Sha256};
use std::fmt;
use std::sync::Arc;
use store::{Store, StoreError, StoredBranding};

/// Links' colour in the built-in look.
pub const DEFAULT_ACCENT: Color = Color([0x06, 0x45, 0xad]);

/// The least contrast an accent colour must have against the white page
/// to be readable as link text (WCAG 2.x AA for normal text).
pub const MIN_ACCENT_CONTRAST: f64 = 4.5;

/// An sRGB colour, parsed from and shown as `#rrggbb` (lowercase).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Color([u8; 3]);

impl Color {
    /// `#rrggbb` in either case, nothing else (no names, no `#rgb`): the
    /// value goes into a stylesheet, so its shape is checked exactly.
    pub fn parse(text: &str) -> Option<Self> {
        let hex = text.strip_prefix('#')?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Self([channel(0)?, channel(2)?, channel(4)?]))
    }

    /// WCAG 2.x relative luminance, 0 (black) to 1 (white).
    fn luminance(self) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = self.0;
        0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    }

    /// The WCAG contrast ratio against white, 1 to 21.
    pub fn contrast_with_white(self) -> f64 {
        1.05 / (self.luminance() + 0.05)
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

/// A logo as served: validated bytes, their kind and content hash.
#[derive(Clone)]
pub struct Logo {
    pub kind: LogoKind,
    pub bytes: bytes::Bytes,
    /// The first 16 hex digits of the bytes' SHA-256: the URL's name.
    pub hash: String,
}

impl fmt::Debug for Logo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logo")
            .field("kind", &self.kind)
            .field("bytes", &self.bytes.len())
            .field("hash", &self.hash)
            .finish()
    }
}

impl Logo {
    pub fn new(kind: LogoKind, bytes: impl Into<bytes::Bytes>) -> Self {
        let bytes = bytes.into();
        let digest = Sha256::digest(&bytes);
        let hash = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Self { kind, bytes, hash }
    }

    /// Where it is served; changes with its content.
    pub fn url(&self) -> String {
        format!("/branding/logo/{}.{}", self.hash, self.kind.extension())
    }
}

/// The branding pages are drawn with: the stored settings with every
/// default filled in.
#[derive(Clone, Debug)]
pub struct Branding {
    /// The stored row's version; `None` while nothing is stored.
    pub version: Option<i64>,
    /// The name shown: the stored one, else the configured one.
    pub site_name: String,
    /// The stored name, if any (the form shows it).
    pub custom_site_name: Option<String>,
    /// Links' colour as stored; `None` for [`DEFAULT_ACCENT`].
    pub accent: Option<Color>,
    /// A band across the top of every page and beside the banner; `None`
    /// for no band.
    pub band: Option<Color>,
    /// Plain text shown on every page; empty for none.
    pub banner: String,
    pub logo: Option<Logo>,
}

impl Branding {
    /// The built-in look under the configured name.
    pub fn defaults(configured_site: &str) -> Self {
        Self {
            version: None,
            site_name: configured_site.to_owned(),
            custom_site_name: None,
            accent: None,
            band: None,
            banner: String::new(),
            logo: None,
        }
    }

    /// Resolves a stored row. A stored value that no longer parses (the
    /// database was edited by hand) falls back to its default, logged:
    /// a page must render whatever the row holds.
    pub fn from_stored(stored: StoredBranding, configured_site: &str) -> Self {
        let colour = |value: Option<String>, field: &str| {
            let value = value?;
            let parsed = Color::parse(&value);
            if parsed.is_none() {
                tracing::warn!(field, "stored branding colour is not #rrggbb; ignored");
            }
            parsed
        };
        let logo = stored
            .logo
            .and_then(|l| match LogoKind::from_media_type(&l.media_type) {
                Some(kind) => Some(Logo::new(kind, l.bytes)),
                None => {
                    tracing::warn!("stored logo has an unknown media type; ignored");
                    None
                }
            });
        let custom = stored.site_name.filter(|n| !n.trim().is_empty());
        Self {
            version: Some(stored.version),
            site_name: custom.clone().unwrap_or_else(|| configured_site.to_owned()),
            custom_site_name: custom,
            accent: colour(stored.accent, "accent"),
            band: colour(stored.band, "band"),
            banner: stored.banner,
            logo,
        }
    }

    /// Links' colour, `#rrggbb`.
    pub fn accent_css(&self) -> String {
        self.accent.unwrap_or(DEFAULT_ACCENT).to_string()
    }

    /// The band's colour, `#rrggbb`, if there is a band.
    pub fn band_css(&self) -> Option<String> {
        self.band.map(|c| c.to_string())
    }

    pub fn logo_url(&self) -> Option<String> {
        self.logo.as_ref().map(Logo::url)
    }
}

/// The current [`Branding`], replaced atomically; see the module docs.
#[derive(Debug)]
pub struct BrandingCache {
    configured_site: String,
    current: ArcSwap<Branding>,
}

impl BrandingCache {
    /// The built-in look until [`BrandingCache::reload`] reads the store.
    pub fn new(configured_site: &str) -> Self {
        Self {
            configured_site: configured_site.to_owned(),
            current: ArcSwap::from_pointee(Branding::defaults(configured_site)),
        }
    }

    /// What this request draws with: one load, no lock.
    pub fn get(&self) -> Arc<Branding> {
        self.current.load_full()
    }

    /// The site name from the configuration.
    pub fn configured_site(&self) -> &str {
        &self.configured_site
    }

    /// Reads the stored branding if its version differs from the one
    /// shown; returns whether it changed.
    ///
    /// A stored version lower than the one shown means the database went
    /// back (a restore): the stored row is shown anyway, or `install`
    /// would refuse it, and every later reload would fetch it again.
    pub async fn reload(&self, store: &Store) -> Result<bool, StoreError> {
        let stored_version = store.branding_version().await?;
        let shown = self.get().version;
        if stored_version == shown {
            return Ok(false);
        }
        let stored = store.branding().await?;
        if stored_version < shown {
            tracing::warn!(
                stored = ?stored_version,
                shown = ?shown,
                "the stored branding is older than the one shown (a restored database?); \
                 showing the stored one"
            );
            self.current.store(Arc::new(self.resolve(stored)));
        } else {
            self.install(stored);
        }
        Ok(true)
    }

    fn resolve(&self, stored: Option<StoredBranding>) -> Branding {
        match stored {
            Some(stored) => Branding::from_stored(stored, &self.configured_site),
            None => Branding::defaults(&self.configured_site),
        }
    }

    /// Shows `stored` from the next request on, unless a newer version is
    /// shown already (a slow reload finishing after a save).
    pub(crate) fn install(&self, stored: Option<StoredBranding>) {
        let next = Arc::new(self.resolve(stored));
        self.current.rcu(|current| {
            if next.version >= current.version {
                Arc::clone(&next)
            } else {
                Arc::clone(current)
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_exactly_six_hex_digits_after_a_hash() {
        assert_eq!(
            Color::parse("#0645AD").map(|c| c.to_string()),
            Some("#0645ad".into())
        );
        for bad in [
            "0645ad", "#0645a", "#0645adf", "#gg45ad", "red", "#06 5ad", "#0645ad;", "", "#+12345",
        ] {
            assert_eq!(Color::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn contrast_with_white_follows_wcag() {
        let ratio = |s| Color::parse(s).unwrap().contrast_with_white();
        assert!((ratio("#000000") - 21.0).abs() < 0.01);
        assert!((ratio("#ffffff") - 1.0).abs() < 0.01);
        // #767676 is the classic lightest grey that passes AA on white.
        assert!(ratio("#767676") >= MIN_ACCENT_CONTRAST);
        assert!(ratio("#777777") < MIN_ACCENT_CONTRAST);
        assert!(DEFAULT_ACCENT.contrast_with_white() >= MIN_ACCENT_CONTRAST);
    }

    fn stored(version: i64, name: &str) -> StoredBranding {
        StoredBranding {
            version,
            site_name: Some(name.into()),
            accent: Some("#123456".into()),
            band: Some("not a colour".into()),
            banner: String::new(),
            logo: None,
            updated_at: 0,
        }
    }

    #[test]
    fn a_stored_row_fills_in_defaults_and_drops_what_does_not_parse() {
        let b = Branding::from_stored(stored(3, "  "), "configured");
        assert_eq!(b.site_name, "configured");
        assert_eq!(b.custom_site_name, None);
        assert_eq!(b.accent_css(), "#123456");
        assert_eq!(b.band, None);
        assert_eq!(Branding::defaults("x").accent_css(), "#0645ad");
    }

    #[test]
    fn an_older_version_never_replaces_a_newer_one() {
        let cache = BrandingCache::new("configured");
        cache.install(Some(stored(5, "five")));
        cache.install(Some(stored(4, "four")));
        assert_eq!(cache.get().site_name, "five");
        cache.install(Some(stored(6, "six")));
        assert_eq!(cache.get().site_name, "six");
    }

    #[test]
    fn the_logo_url_names_its_content() {
        let a = Logo::new(LogoKind::Png, b"one".to_vec());
        let b = Logo::new(LogoKind::Png, b"two".to_vec());
        assert_ne!(a.url(), b.url());
        assert!(a.url().starts_with("/branding/logo/") && a.url().ends_with(".png"));
        assert_eq!(a.hash.len(), 16);
    }
}
