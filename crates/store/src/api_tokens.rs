//! API tokens (`Authorization: Bearer`).
//!
//! An API token is a secret like a session token: the store keeps its
//! SHA-256 ([`SecretHash`]) and when it was created, nothing else (no
//! address, no user agent, no last use). A token lives until its member
//! revokes it, changes their password ([`Store::set_password`]) or
//! deletes their account; each member keeps at most
//! [`MAX_API_TOKENS_PER_USER`], the oldest giving way.

use crate::accounts::{SecretHash, User, user_from_row};
use crate::{Pool, Store, StoreError};

/// Tokens one member may hold at once; creating one more drops the
/// oldest, so a script that logs in on every run cannot grow the table.
pub const MAX_API_TOKENS_PER_USER: i64 = 20;

const INSERT_API_TOKEN: &str =
    "INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)";
/// Keeps the member's `$2` newest tokens (ties broken by hash, so the
/// choice is stable).
const PRUNE_API_TOKENS: &str = "DELETE FROM api_tokens WHERE user_id = $1 AND token_hash NOT IN \
     (SELECT token_hash FROM api_tokens WHERE user_id = $1 \
      ORDER BY created_at DESC, token_hash DESC LIMIT $2)";
/// Only tokens of enabled accounts authenticate.
const API_TOKEN_USER: &str = "SELECT u.id, u.username, u.role, u.passkey, u.disabled, u.created_at \
     FROM api_tokens t JOIN users u ON u.id = t.user_id \
     WHERE t.token_hash = $1 AND NOT u.disabled";
const DELETE_API_TOKEN: &str = "DELETE FROM api_tokens WHERE token_hash = $1";
pub(crate) const DELETE_USER_API_TOKENS: &str = "DELETE FROM api_tokens WHERE user_id = $1";

impl Store {
    /// Records an API token of `user_id`, dropping the member's oldest
    /// beyond [`MAX_API_TOKENS_PER_USER`], in one transaction. An unknown
    /// account is [`StoreError::Missing`]`("account")`.
    pub async fn create_api_token(
        &self,
        token: &SecretHash,
        user_id: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(INSERT_API_TOKEN)
                .bind(token.0.as_slice())
                .bind(user_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(db)
                        if db.kind() == sqlx::error::ErrorKind::ForeignKeyViolation =>
                    {
                        StoreError::Missing("account")
                    }
                    _ => StoreError::Query(e),
                })?;
            sqlx::query(PRUNE_API_TOKENS)
                .bind(user_id)
                .bind(MAX_API_TOKENS_PER_USER)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The enabled account an API token belongs to.
    pub async fn api_token_user(&self, token: &SecretHash) -> Result<Option<User>, StoreError> {
        on_backend!(self, |pool| {
            let row = sqlx::query(API_TOKEN_USER)
                .bind(token.0.as_slice())
                .fetch_optional(pool)
                .await?;
            row.map(|row| user_from_row(&row)).transpose()
        })
    }

    /// Revokes one API token; `false` if there was none.
    pub async fn delete_api_token(&self, token: &SecretHash) -> Result<bool, StoreError> {
        on_backend!(self, |pool| {
            let done = sqlx::query(DELETE_API_TOKEN)
                .bind(token.0.as_slice())
                .execute(pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }
}
