//! Member accounts, login sessions and invitations: the types the rest of
//! swarmgate uses for them, validated once at the boundary, and their
//! queries.
//!
//! What is *not* here is deliberate: no IP address, user agent or
//! location for any sign-up, log-in or invite (DESIGN.md, privacy
//! invariant 1). Session tokens and invite codes are secrets the store
//! only needs to compare, so it keeps their SHA-256 ([`SecretHash`]);
//! whoever reads the database cannot log in or sign up with them.

use crate::api_tokens::DELETE_USER_API_TOKENS;
use crate::{Pool, Store, StoreError, sql};
use sqlx::Row as _;
use std::fmt;

/// A member's login name: 3 to 32 ASCII letters, digits, `_`, `-` or
/// `.`, starting with a letter or digit. Case is kept for display;
/// uniqueness ignores it (`Alice` and `alice` are one account).
///
/// ASCII only, on purpose: look-alike letters from other scripts
/// (Cyrillic `а` for Latin `a`) would let one member impersonate another,
/// and case-insensitive comparison then means the same on both backends.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

/// Why a username was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("a username has 3 to 32 characters")]
    Length,
    #[error(
        "a username uses only Latin letters, digits, '_', '-' and '.', and starts with a letter or digit"
    )]
    Characters,
}

impl Username {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 32;

    pub fn parse(name: &str) -> Result<Self, UsernameError> {
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&name.len()) {
            // Check characters first for non-ASCII input, whose byte
            // length says little about what the visitor typed.
            if !name.is_ascii() {
                return Err(UsernameError::Characters);
            }
            return Err(UsernameError::Length);
        }
        let mut chars = name.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if first_ok && rest_ok {
            Ok(Self(name.to_owned()))
        } else {
            Err(UsernameError::Characters)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Username({:?})", self.0)
    }
}

/// What a member may do, most powerful first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Moderator,
    Uploader,
    Member,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Moderator, Role::Uploader, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Moderator => "moderator",
            Role::Uploader => "uploader",
            Role::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A member's tracker passkey: 32 lowercase hex characters (128 random
/// bits). It authenticates announces, so `Debug` hides it; only
/// [`Passkey::expose`] shows it, to its owner.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Passkey(String);

impl Passkey {
    /// The passkey made of these random bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(hex(&bytes))
    }

    /// Accepts 32 hex characters of either case (clients may upper-case
    /// URLs); keeps them lowercase.
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Self(s.to_ascii_lowercase()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Passkey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passkey(***)")
    }
}

/// The SHA-256 of a secret token (session token, invite code): what the
/// store keeps and looks up instead of the token.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretHash(pub [u8; 32]);

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHash(***)")
    }
}

/// A password hash in PHC string form (`$argon2id$v=19$...`). Not a
/// secret in the sense of a token, but still never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(pub String);

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(***)")
    }
}

/// A stored account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: Username,
    pub role: Role,
    pub passkey: Passkey,
    pub disabled: bool,
    /// Unix seconds.
    pub created_at: i64,
}

/// An account to create.
#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    pub username: &'a Username,
    pub password_hash: &'a PasswordHash,
    pub role: Role,
    pub passkey: &'a Passkey,
    pub created_at: i64,
}

/// An invitation as its creator sees it (the code itself is shown once,
/// when created, and never stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invite {
    pub created_at: i64,
    pub expires_at: i64,
    /// The member who signed up with it, if anyone did.
    pub used_by: Option<Username>,
}

/// Why [`Store::create_user_with_invite`] created nobody.
#[derive(Debug, thiserror::Error)]
pub enum RedeemError {
    #[error("the invitation is unknown, used or expired")]
    InvalidInvite,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

pub(crate) fn user_from_row<R>(row: &R) -> Result<User, StoreError>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let corrupt = |what: &str| StoreError::Corrupt {
        table: "users",
        what: what.into(),
    };
    let username: String = row.try_get(1)?;
    let role: String = row.try_get(2)?;
    let passkey: String = row.try_get(3)?;
    Ok(User {
        id: row.try_get(0)?,
        username: Username::parse(&username).map_err(|_| corrupt("invalid username"))?,
        role: Role::parse(&role).ok_or_else(|| corrupt("unknown role"))?,
        passkey: Passkey::parse(&passkey).ok_or_else(|| corrupt("invalid passkey"))?,
        disabled: row.try_get(4)?,
        created_at: row.try_get(5)?,
    })
}

impl Store {
    /// Creates an account and returns its id. A taken username (in any
    /// case) or passkey is [`StoreError::Conflict`].
    pub async fn create_user(&self, user: &NewUser<'_>) -> Result<i64, StoreError> {
        on_backend!(self, |pool| { insert_user!(pool, user) })
    }

    /// Creates an account with an invitation, in one transaction: the
    /// invitation is marked used by the new account, or nothing happens.
    pub async fn create_user_with_invite(
        &self,
        invite: &SecretHash,
        now: i64,
        user: &NewUser<'_>,
    ) -> Result<i64, RedeemError> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await.map_err(StoreError::from)?;
            let id = insert_user!(&mut *tx, user)?;
            let redeemed = sqlx::query(sql::REDEEM_INVITE)
                .bind(id)
                .bind(invite.0.as_slice())
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            if redeemed.rows_affected() != 1 {
                // Dropping the transaction rolls the new account back.
                return Err(RedeemError::InvalidInvite);
            }
            tx.commit().await.map_err(StoreError::from)?;
            Ok(id)
        })
    }

    /// How many accounts exist.
    pub async fn count_users(&self) -> Result<u64, StoreError> {
        on_backend!(self, |pool| {
            let n: i64 = sqlx::query_scalar(sql::COUNT_USERS).fetch_one(pool).await?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    /// The account with this name (in any case), with its password hash.
    pub async fn user_credentials(
        &self,
        name: &Username,
    ) -> Result<Option<(User, PasswordHash)>, StoreError> {
        on_backend!(self, |pool| {
            let row = sqlx::query(sql::USER_BY_NAME)
                .bind(name.as_str())
                .fetch_optional(pool)
                .await?;
            row.map(|row| Ok((user_from_row(&row)?, PasswordHash(row.try_get(6)?))))
                .transpose()
        })
    }

    pub async fn user_by_name(&self, name: &Username) -> Result<Option<User>, StoreError> {
        Ok(self.user_credentials(name).await?.map(|(user, _)| user))
    }

    /// The account holding this passkey, disabled or not (the caller
    /// tells a disabled account from an unknown key): for feeds and
    /// downloads that authenticate by passkey instead of a session.
    pub async fn user_by_passkey(&self, passkey: &Passkey) -> Result<Option<User>, StoreError> {
        on_backend!(self, |pool| {
            let row = sqlx::query(sql::USER_BY_PASSKEY)
                .bind(passkey.expose())
                .fetch_optional(pool)
                .await?;
            row.map(|row| user_from_row(&row)).transpose()
        })
    }

    /// Replaces the password hash, ends every session of the account and
    /// revokes its API tokens: whoever held the old password may have
    /// made them.
    pub async fn set_password(&self, id: i64, hash: &PasswordHash) -> Result<bool, StoreError> {
        self.update_user(sql::SET_PASSWORD, id, &hash.0, true).await
    }

    /// Replaces the passkey if it is still `old`: false if the account is
    /// gone or has another passkey by now (a rotation that came first, so
    /// that two at once leave one winner). A taken `new` is
    /// [`StoreError::Conflict`].
    pub async fn replace_passkey(
        &self,
        id: i64,
        old: &Passkey,
        new: &Passkey,
    ) -> Result<bool, StoreError> {
        on_backend!(self, |pool| {
            let done = sqlx::query(sql::REPLACE_PASSKEY)
                .bind(new.expose())
                .bind(id)
                .bind(old.expose())
                .execute(pool)
                .await
                .map_err(constraint)?;
            Ok(done.rows_affected() == 1)
        })
    }

    pub async fn set_role(&self, id: i64, role: Role) -> Result<bool, StoreError> {
        self.update_user(sql::SET_ROLE, id, role.as_str(), false)
            .await
    }

    /// Disables or re-enables an account; disabling ends its sessions and
    /// revokes its API tokens.
    pub async fn set_disabled(&self, id: i64, disabled: bool) -> Result<bool, StoreError> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(sql::SET_DISABLED)
                .bind(disabled)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if disabled {
                for statement in [sql::DELETE_USER_SESSIONS, DELETE_USER_API_TOKENS] {
                    sqlx::query(statement).bind(id).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Runs a one-value `UPDATE users ... WHERE id = $2`, optionally
    /// ending the account's sessions and API tokens in the same
    /// transaction.
    async fn update_user(
        &self,
        statement: &str,
        id: i64,
        value: &str,
        end_sessions: bool,
    ) -> Result<bool, StoreError> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(statement)
                .bind(value)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(constraint)?;
            if end_sessions {
                for statement in [sql::DELETE_USER_SESSIONS, DELETE_USER_API_TOKENS] {
                    sqlx::query(statement).bind(id).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Records a session until `expires_at` (Unix seconds).
    pub async fn create_session(
        &self,
        token: &SecretHash,
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        on_backend!(self, |pool| {
            sqlx::query(sql::CREATE_SESSION)
                .bind(token.0.as_slice())
                .bind(user_id)
                .bind(now)
                .bind(expires_at)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// The enabled account a session belongs to, if the session exists
    /// and has not expired at `now`.
    pub async fn session_user(
        &self,
        token: &SecretHash,
        now: i64,
    ) -> Result<Option<User>, StoreError> {
        on_backend!(self, |pool| {
            let row = sqlx::query(sql::SESSION_USER)
                .bind(token.0.as_slice())
                .bind(now)
                .fetch_optional(pool)
                .await?;
            row.map(|row| user_from_row(&row)).transpose()
        })
    }

    /// Ends one session (log-out). Ending an unknown one is not an error.
    pub async fn delete_session(&self, token: &SecretHash) -> Result<(), StoreError> {
        on_backend!(self, |pool| {
            sqlx::query(sql::DELETE_SESSION)
                .bind(token.0.as_slice())
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Ends every session of an account ("log out everywhere").
    pub async fn delete_user_sessions(&self, user_id: i64) -> Result<u64, StoreError> {
        on_backend!(self, |pool| {
            let done = sqlx::query(sql::DELETE_USER_SESSIONS)
                .bind(user_id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected())
        })
    }

    /// Removes sessions expired at `now`; returns how many.
    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64, StoreError> {
        on_backend!(self, |pool| {
            let done = sqlx::query(sql::DELETE_EXPIRED_SESSIONS)
                .bind(now)
                .execute(pool)
                .await?;
            Ok(done.rows_affected())
        })
    }

    /// Records an invitation valid until `expires_at`.
    pub async fn create_invite(
        &self,
        code: &SecretHash,
        created_by: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        on_backend!(self, |pool| {
            sqlx::query(sql::CREATE_INVITE)
                .bind(code.0.as_slice())
                .bind(created_by)
                .bind(now)
                .bind(expires_at)
                .execute(pool)
                .await
                .map_err(constraint)?;
            Ok(())
        })
    }

    /// The invitations a member created, newest first.
    pub async fn invites_by(&self, user_id: i64) -> Result<Vec<Invite>, StoreError> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(sql::INVITES_BY)
                .bind(user_id)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|row| {
                    let used_by: Option<String> = row.try_get(2)?;
                    Ok(Invite {
                        created_at: row.try_get(0)?,
                        expires_at: row.try_get(1)?,
                        used_by: used_by.and_then(|name| Username::parse(&name).ok()),
                    })
                })
                .collect()
        })
    }
}

/// Inserts one account on `$conn` (a connection or a transaction),
/// evaluating to its id. A macro, not a function: it expands inside
/// `on_backend!`, once per driver, with no generic bounds to spell out.
macro_rules! insert_user {
    ($conn:expr, $user:expr) => {
        sqlx::query_scalar::<_, i64>(sql::INSERT_USER)
            .bind($user.username.as_str())
            .bind($user.password_hash.0.as_str())
            .bind($user.role.as_str())
            .bind($user.passkey.expose())
            .bind($user.created_at)
            .fetch_one($conn)
            .await
            .map_err(constraint)
    };
}
use insert_user;

/// Turns a unique-constraint violation into [`StoreError::Conflict`]
/// naming the column; anything else stays a query error.
fn constraint(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.kind() == sqlx::error::ErrorKind::UniqueViolation
    {
        // PostgreSQL names the constraint; SQLite only says it in the
        // message ("UNIQUE constraint failed: users.passkey").
        let said = format!("{} {}", db.constraint().unwrap_or(""), db.message());
        let what = if said.contains("passkey") {
            "passkey"
        } else if said.contains("username") {
            "username"
        } else {
            "value"
        };
        return StoreError::Conflict(what);
    }
    StoreError::Query(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_short_ascii_words() {
        for good in ["bob", "Alice_1", "a.b-c", &"x".repeat(32)] {
            assert!(Username::parse(good).is_ok(), "{good}");
        }
        assert_eq!(Username::parse("ab"), Err(UsernameError::Length));
        assert_eq!(Username::parse(&"x".repeat(33)), Err(UsernameError::Length));
        for bad in ["_bob", "bo b", "<script>", "алиса", "a\u{0}b", "bob\n"] {
            assert_eq!(
                Username::parse(bad),
                Err(UsernameError::Characters),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn passkeys_are_32_lowercase_hex_characters_and_never_printed() {
        let key = Passkey::from_bytes([0xab; 16]);
        assert_eq!(key.expose(), "ab".repeat(16));
        assert_eq!(Passkey::parse(&"AB".repeat(16)), Some(key.clone()));
        assert_eq!(Passkey::parse("abc"), None);
        assert_eq!(Passkey::parse(&"zz".repeat(16)), None);
        assert!(!format!("{key:?}").contains("abab"));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
