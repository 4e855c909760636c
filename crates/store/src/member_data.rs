//! Everything stored about one member, exported ([`Store::member_data`])
//! or deleted ([`Store::delete_account`]): DESIGN.md's privacy invariant
//! 4, "a member can see everything stored about them and delete it".
//!
//! This module is the one place that knows which tables hold a member's
//! rows. A table that gains per-member rows is added here three times,
//! as the transfer accounting was: a field of [`MemberData`] with its
//! query, a statement in [`DELETE_MEMBER`], and its column in
//! [`MEMBER_COLUMNS`]. The store tests compare
//! [`MEMBER_COLUMNS`] with the schema, so a forgotten table fails them.
//!
//! What an export leaves out, and why: the password's hash and the
//! hashes of session and API tokens (one-way, useless to the member, and
//! a leaked export must not help anyone guess a password); sessions and
//! tokens appear by their times only. No table holds an IP address, so
//! no export can contain one.

use crate::accounts::hex;
use crate::{Pool, Store, StoreError};
use serde::Serialize;
use sqlx::Row as _;
use std::collections::HashMap;

/// Every `table.column` that refers to an account, sorted. Each is
/// exported by [`Store::member_data`] and cleared by
/// [`Store::delete_account`].
pub const MEMBER_COLUMNS: &[&str] = &[
    "api_tokens.user_id",
    "comments.user_id",
    "invites.created_by",
    "invites.used_by",
    "releases.uploader_id",
    "saved_searches.user_id",
    "sessions.user_id",
    "transfer_totals.user_id",
    "transfers.user_id",
];

/// Everything stored about one member. Times are Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberData {
    pub account: AccountData,
    /// Login sessions, oldest first. Their tokens are stored as hashes
    /// only and are not exported.
    pub sessions: Vec<SessionData>,
    /// API tokens, oldest first; likewise hashes only, not exported.
    pub api_tokens: Vec<ApiTokenData>,
    /// Invitations the member created, oldest first.
    pub invitations_created: Vec<InvitationData>,
    /// The invitation the member signed up with, if any.
    pub invitation_used: Option<UsedInvitationData>,
    /// Releases the member uploaded, by id.
    pub releases: Vec<ReleaseData>,
    /// Comments the member wrote, by id.
    pub comments: Vec<CommentData>,
    /// Bytes the tracker credited the member, over every release
    /// (deleted ones included); `None` before the first credit.
    pub transfer_totals: Option<TransferTotalsData>,
    /// Per release still in the catalog, by release id.
    pub transfers: Vec<TransferData>,
    /// Searches the member saved, oldest first, with their feed tokens.
    pub saved_searches: Vec<SavedSearchData>,
}

/// The account row, without the password hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountData {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub disabled: bool,
    pub created_at: i64,
    pub passkey: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionData {
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiTokenData {
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationData {
    pub created_at: i64,
    pub expires_at: i64,
    /// Who signed up with it; `None` if nobody (yet).
    pub used_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsedInvitationData {
    pub created_at: i64,
    /// The inviting member; `None` if their account is gone.
    pub created_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseData {
    pub id: i64,
    pub title: String,
    pub description_md: String,
    /// The category's slug.
    pub category: String,
    pub status: String,
    pub size: i64,
    /// Lowercase hex.
    pub info_hash_v1: Option<String>,
    pub info_hash_v2: Option<String>,
    pub tags: Vec<String>,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentData {
    pub id: i64,
    pub release_id: i64,
    pub release_title: String,
    pub body: String,
    pub hidden: bool,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferTotalsData {
    pub uploaded: i64,
    pub downloaded: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferData {
    pub release_id: i64,
    pub release_title: String,
    pub uploaded: i64,
    pub downloaded: i64,
    /// When the member completed the release, to the accounting flush.
    pub snatched_at: Option<i64>,
    /// The tracker let the member download it (what the minimum-ratio
    /// rule lets them resume).
    pub leeched: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedSearchData {
    pub name: String,
    /// The listing's query string (`q=...&category=...`).
    pub query: String,
    /// The feed is `/rss/saved/<feed_token>`.
    pub feed_token: String,
    pub created_at: i64,
}

/// What [`Store::delete_account`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountDeletion {
    Deleted,
    NoSuchAccount,
    /// Nothing: the account is the last enabled admin, and a site
    /// without one cannot be administered from the web.
    LastAdmin,
}

const ACCOUNT: &str =
    "SELECT id, username, role, disabled, created_at, passkey FROM users WHERE id = $1";
const SESSIONS: &str = "SELECT created_at, expires_at FROM sessions WHERE user_id = $1 \
     ORDER BY created_at, expires_at";
const API_TOKENS: &str = "SELECT created_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at";
const INVITATIONS_CREATED: &str = "SELECT i.created_at, i.expires_at, u.username \
     FROM invites i LEFT JOIN users u ON u.id = i.used_by \
     WHERE i.created_by = $1 ORDER BY i.created_at, i.expires_at";
const INVITATION_USED: &str = "SELECT i.created_at, u.username \
     FROM invites i LEFT JOIN users u ON u.id = i.created_by WHERE i.used_by = $1";
const RELEASES: &str = "SELECT r.id, r.title, r.description_md, c.slug, r.status, r.size, \
     r.info_hash_v1, r.info_hash_v2, r.created_at \
     FROM releases r JOIN categories c ON c.id = r.category_id \
     WHERE r.uploader_id = $1 ORDER BY r.id";
const RELEASE_TAGS: &str = "SELECT t.release_id, t.tag \
     FROM release_tags t JOIN releases r ON r.id = t.release_id \
     WHERE r.uploader_id = $1 ORDER BY t.release_id, t.tag";
const COMMENTS: &str = "SELECT c.id, c.release_id, r.title, c.body, c.hidden, c.created_at \
     FROM comments c JOIN releases r ON r.id = c.release_id \
     WHERE c.user_id = $1 ORDER BY c.id";
const TRANSFER_TOTALS: &str = "SELECT uploaded, downloaded FROM transfer_totals WHERE user_id = $1";
/// Its columns are named as [`TransferData`]'s fields, which it is read into.
const TRANSFERS: &str = "SELECT t.release_id, r.title AS release_title, t.uploaded, t.downloaded, \
     t.snatched_at, t.leeched \
     FROM transfers t JOIN releases r ON r.id = t.release_id \
     WHERE t.user_id = $1 ORDER BY t.release_id";
const SAVED_SEARCHES: &str = "SELECT name, query, feed_token, created_at \
     FROM saved_searches WHERE user_id = $1 ORDER BY id";

/// Touches every admin row first thing in a deletion's transaction. It
/// changes nothing, but it is a write: on SQLite it takes the database's
/// write lock before anything is read, and on PostgreSQL it locks the
/// admin rows until commit. Either way two admins deleting themselves
/// at once are serialized, and the second sees the first gone, so the
/// "other admins" count cannot be stale.
const LOCK_ADMINS: &str = "UPDATE users SET role = role WHERE role = 'admin'";
const ROLE: &str = "SELECT role FROM users WHERE id = $1";
const OTHER_ENABLED_ADMINS: &str =
    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND NOT disabled AND id <> $1";

/// What deleting account `$1` does to each table holding its rows, in
/// order, all in one transaction.
pub const DELETE_MEMBER: &[&str] = &[
    // Logged out everywhere.
    "DELETE FROM sessions WHERE user_id = $1",
    "DELETE FROM api_tokens WHERE user_id = $1",
    // The invitations they made, and the one they used: left with a
    // NULL `used_by`, that code would be redeemable again, and it is
    // the record of who invited them.
    "DELETE FROM invites WHERE created_by = $1 OR used_by = $1",
    // What the tracker credited them.
    "DELETE FROM transfers WHERE user_id = $1",
    "DELETE FROM transfer_totals WHERE user_id = $1",
    // Their saved searches: the feeds stop with them.
    "DELETE FROM saved_searches WHERE user_id = $1",
    // Releases and comments stay, attributed to a deleted account.
    "UPDATE releases SET uploader_id = NULL WHERE uploader_id = $1",
    "UPDATE comments SET user_id = NULL WHERE user_id = $1",
    // The account: its name, password hash and passkey. The passkey
    // stops working with it (see `Store::active_passkeys`).
    "DELETE FROM users WHERE id = $1",
];

impl Store {
    /// Everything stored about account `user_id`, read in one
    /// transaction; `None` if there is no such account.
    pub async fn member_data(&self, user_id: i64) -> Result<Option<MemberData>, StoreError> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let Some(row) = sqlx::query(ACCOUNT)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?
            else {
                return Ok(None);
            };
            let account = AccountData {
                id: row.try_get(0)?,
                username: row.try_get(1)?,
                role: row.try_get(2)?,
                disabled: row.try_get(3)?,
                created_at: row.try_get(4)?,
                passkey: row.try_get(5)?,
            };
            let sessions: Vec<(i64, i64)> = sqlx::query_as(SESSIONS)
                .bind(user_id)
                .fetch_all(&mut *tx)
                .await?;
            let api_tokens: Vec<i64> = sqlx::query_scalar(API_TOKENS)
                .bind(user_id)
                .fetch_all(&mut *tx)
                .await?;
            let created: Vec<(i64, i64, Option<String>)> = sqlx::query_as(INVITATIONS_CREATED)
                .bind(user_id)
                .fetch_all(&mut *tx)
                .await?;
            let used: Option<(i64, Option<String>)> = sqlx::query_as(INVITATION_USED)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            let tag_rows: Vec<(i64, String)> = sqlx::query_as(RELEASE_TAGS)
                .bind(user_id)
                .fetch_all(&mut *tx)
                .await?;
            let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
            for (release, tag) in tag_rows {
                tags.entry(release).or_default().push(tag);
            }
            let release_rows = sqlx::query(RELEASES)
                .bind(user_id)
                .fetch_all(&mut *tx)
                .await?;
            let mut releases = Vec::with_capacity(release_rows.len());
            for row in &release_rows {
                let id: i64 = row.try_get(0)?;
                let v1: Option<Vec<u8>> = row.try_get(6)?;
                let v2: Option<Vec<u8>> = row.try_get(7)?;
                releases.push(ReleaseData {
                    id,
                    title: row.try_get(1)?,
                    description_md: row.try_get(2)?,
                    category: row.try_get(3)?,
                    status: row.try_get(4)?,
                    size: row.try_get(5)?,
                    info_hash_v1: v1.as_deref().map(hex),
                    info_hash_v2: v2.as_deref().map(hex),
                    tags: tags.remove(&id).unwrap_or_default(),
                    created_at: row.try_get(8)?,
                });
            }
            let comment_rows = sqlx::query(COMMENTS)
                .bind(user_id)
                .fetch_all(&mut *tx)
                .await?;
            let comments = comment_rows
                .iter()
                .map(|row| {
                    Ok(CommentData {
                        id: row.try_get(0)?,
                        release_id: row.try_get(1)?,
                        release_title: row.try_get(2)?,
                        body: row.try_get(3)?,
                        hidden: row.try_get(4)?,
                        created_at: row.try_get(5)?,
                    })
                })
                .collect::<Result<_, StoreError>>()?;
            let totals: Option<(i64, i64)> = sqlx::query_as(TRANSFER_TOTALS)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            let transfers: Vec<TransferData> = sqlx::query_as(TRANSFERS)
                .bind(user_id)
                .fetch_all(&mut *tx)
                .await?;
            let saved: Vec<(String, String, String, i64)> = sqlx::query_as(SAVED_SEARCHES)
                .bind(user_id)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Some(MemberData {
                account,
                sessions: sessions
                    .into_iter()
                    .map(|(created_at, expires_at)| SessionData {
                        created_at,
                        expires_at,
                    })
                    .collect(),
                api_tokens: api_tokens
                    .into_iter()
                    .map(|created_at| ApiTokenData { created_at })
                    .collect(),
                invitations_created: created
                    .into_iter()
                    .map(|(created_at, expires_at, used_by)| InvitationData {
                        created_at,
                        expires_at,
                        used_by,
                    })
                    .collect(),
                invitation_used: used.map(|(created_at, created_by)| UsedInvitationData {
                    created_at,
                    created_by,
                }),
                releases,
                comments,
                transfer_totals: totals.map(|(uploaded, downloaded)| TransferTotalsData {
                    uploaded,
                    downloaded,
                }),
                transfers,
                saved_searches: saved
                    .into_iter()
                    .map(|(name, query, feed_token, created_at)| SavedSearchData {
                        name,
                        query,
                        feed_token,
                        created_at,
                    })
                    .collect(),
            }))
        })
    }

    /// Deletes account `user_id` and everything stored about it
    /// ([`DELETE_MEMBER`]) in one transaction; its releases and comments
    /// stay, their uploader and author NULL ("deleted account"). The last
    /// enabled admin is not deleted.
    pub async fn delete_account(&self, user_id: i64) -> Result<AccountDeletion, StoreError> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(LOCK_ADMINS).execute(&mut *tx).await?;
            let role: Option<String> = sqlx::query_scalar(ROLE)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(role) = role else {
                return Ok(AccountDeletion::NoSuchAccount);
            };
            if role == crate::Role::Admin.as_str() {
                let others: i64 = sqlx::query_scalar(OTHER_ENABLED_ADMINS)
                    .bind(user_id)
                    .fetch_one(&mut *tx)
                    .await?;
                if others == 0 {
                    return Ok(AccountDeletion::LastAdmin);
                }
            }
            for statement in DELETE_MEMBER {
                sqlx::query(statement)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(AccountDeletion::Deleted)
        })
    }
}
