//! The site's branding: name, logo, accent colours and banner, one row
//! set by administrators in the portal.
//!
//! The store keeps what the portal validated (a `#rrggbb` colour, a PNG
//! or a sanitized SVG) and checks only the shape of it (`CHECK`s in the
//! migration). Every save raises `version`, so a portal process polls
//! [`Store::branding_version`] (one integer) and reads the row, logo
//! included, only when it changed. A save raises it above the save's
//! time in milliseconds, not just by one: a database restored to
//! an older version would otherwise hand the next saves numbers that a
//! portal has shown already, with other contents, and that portal would
//! never fetch them.

use crate::{Pool, Store, StoreError};
use sqlx::Row as _;

/// The stored branding. `None` fields mean "not set": the portal falls
/// back to the configuration and its built-in look.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBranding {
    /// Raised by every save, above `updated_at` × 1000.
    pub version: i64,
    pub site_name: Option<String>,
    /// `#rrggbb`.
    pub accent: Option<String>,
    /// `#rrggbb`.
    pub band: Option<String>,
    /// Plain text; empty for none.
    pub banner: String,
    pub logo: Option<StoredLogo>,
    /// Unix seconds of the last save.
    pub updated_at: i64,
}

/// A logo's bytes and media type (`image/png` or `image/svg+xml`).
#[derive(Clone, PartialEq, Eq)]
pub struct StoredLogo {
    pub media_type: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for StoredLogo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredLogo")
            .field("media_type", &self.media_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// What a save does to the logo.
#[derive(Clone, Copy, Debug)]
pub enum LogoChange<'a> {
    /// Leaves the stored logo as it is.
    Keep,
    Remove,
    /// Replaces it (`media_type`, bytes).
    Set(&'a str, &'a [u8]),
}

/// One save of the branding form.
#[derive(Clone, Copy, Debug)]
pub struct BrandingUpdate<'a> {
    pub site_name: Option<&'a str>,
    pub accent: Option<&'a str>,
    pub band: Option<&'a str>,
    pub banner: &'a str,
    pub logo: LogoChange<'a>,
    pub updated_at: i64,
}

const BRANDING: &str = "SELECT version, site_name, accent, band, banner, logo, logo_type, updated_at \
     FROM branding WHERE id = 1";
const BRANDING_VERSION: &str = "SELECT version FROM branding WHERE id = 1";
/// The version a save gives an existing row: one more than the row's,
/// or one more than the save's time in milliseconds (`excluded.version`,
/// a new row's version) if that is more.
macro_rules! next_version {
    () => {
        "CASE WHEN branding.version + 1 > excluded.version \
         THEN branding.version + 1 ELSE excluded.version END"
    };
}

/// Saves everything but the logo.
const SAVE_KEEPING_LOGO: &str = concat!(
    "INSERT INTO branding (id, version, site_name, accent, band, banner, updated_at) \
     VALUES (1, $5 * 1000 + 1, $1, $2, $3, $4, $5) \
     ON CONFLICT (id) DO UPDATE SET version = ",
    next_version!(),
    ", \
     site_name = excluded.site_name, accent = excluded.accent, band = excluded.band, \
     banner = excluded.banner, updated_at = excluded.updated_at \
     RETURNING version"
);
/// Saves everything, the logo ($6 bytes, $7 type; both NULL to remove it)
/// included.
const SAVE_WITH_LOGO: &str = concat!(
    "INSERT INTO branding \
     (id, version, site_name, accent, band, banner, updated_at, logo, logo_type) \
     VALUES (1, $5 * 1000 + 1, $1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (id) DO UPDATE SET version = ",
    next_version!(),
    ", \
     site_name = excluded.site_name, accent = excluded.accent, band = excluded.band, \
     banner = excluded.banner, updated_at = excluded.updated_at, \
     logo = excluded.logo, logo_type = excluded.logo_type \
     RETURNING version"
);

impl Store {
    /// The stored branding; `None` before the first save.
    pub async fn branding(&self) -> Result<Option<StoredBranding>, StoreError> {
        on_backend!(self, |pool| {
            let Some(row) = sqlx::query(BRANDING).fetch_optional(pool).await? else {
                return Ok(None);
            };
            let logo: Option<Vec<u8>> = row.try_get(5)?;
            let logo_type: Option<String> = row.try_get(6)?;
            Ok(Some(StoredBranding {
                version: row.try_get(0)?,
                site_name: row.try_get(1)?,
                accent: row.try_get(2)?,
                band: row.try_get(3)?,
                banner: row.try_get(4)?,
                logo: logo
                    .zip(logo_type)
                    .map(|(bytes, media_type)| StoredLogo { media_type, bytes }),
                updated_at: row.try_get(7)?,
            }))
        })
    }

    /// The stored branding's version; `None` before the first save.
    pub async fn branding_version(&self) -> Result<Option<i64>, StoreError> {
        on_backend!(self, |pool| {
            Ok(sqlx::query_scalar(BRANDING_VERSION)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Saves the branding in one statement; returns the new version.
    pub async fn save_branding(&self, update: &BrandingUpdate<'_>) -> Result<i64, StoreError> {
        on_backend!(self, |pool| {
            let base = |sql| {
                sqlx::query_scalar(sql)
                    .bind(update.site_name)
                    .bind(update.accent)
                    .bind(update.band)
                    .bind(update.banner)
                    .bind(update.updated_at)
            };
            let query = match update.logo {
                LogoChange::Keep => base(SAVE_KEEPING_LOGO),
                LogoChange::Remove => base(SAVE_WITH_LOGO).bind(None::<&[u8]>).bind(None::<&str>),
                LogoChange::Set(media_type, bytes) => base(SAVE_WITH_LOGO)
                    .bind(Some(bytes))
                    .bind(Some(media_type)),
            };
            Ok(query.fetch_one(pool).await?)
        })
    }
}
