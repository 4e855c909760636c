//! The SQL both backends share. Placeholders are `$1`, `$2`, ...:
//! PostgreSQL's only form, and one SQLite accepts too (sqlx binds `$N` to
//! the N-th argument on both). Where a dialect differs, the per-backend
//! module supplies the word ([`crate::sqlite::GREATEST`] vs
//! [`crate::postgres::GREATEST`]).

use std::fmt::Write as _;

/// Rows per multi-row statement. The tightest bound-parameter limit is
/// SQLite's 32,766 (PostgreSQL: 65,535); 500 rows of at most 6 columns
/// stay far below both and keep each statement short.
pub(crate) const ROWS_PER_STATEMENT: usize = 500;

pub(crate) const LOAD_COMPLETED: &str = "SELECT info_hash, completed FROM torrent_stats";

/// Inserts `rows` completed counts; an existing row keeps the larger
/// count, so an older flush never overwrites a newer one.
pub(crate) fn upsert_completed(rows: usize, greatest: &str) -> String {
    let mut sql = String::from("INSERT INTO torrent_stats (info_hash, completed) VALUES ");
    push_placeholders(&mut sql, rows, 2);
    let _ = write!(
        sql,
        " ON CONFLICT (info_hash) DO UPDATE SET \
         completed = {greatest}(torrent_stats.completed, excluded.completed)"
    );
    sql
}

/// Inserts `rows` policy counters for one hour (`$1`); an existing row
/// adds the new count to its own.
pub(crate) fn add_policy_counts(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO policy_counters (hour, scope, country, rule, decision, count) VALUES ",
    );
    // $1 is the hour, shared by every row; each row binds five more.
    for row in 0..rows {
        let first = 2 + row * 5;
        let _ = write!(
            sql,
            "{}($1, ${}, ${}, ${}, ${}, ${})",
            if row == 0 { "" } else { ", " },
            first,
            first + 1,
            first + 2,
            first + 3,
            first + 4,
        );
    }
    sql.push_str(
        " ON CONFLICT (hour, scope, country, rule, decision) DO UPDATE SET \
         count = policy_counters.count + excluded.count",
    );
    sql
}

/// `SUM` of a `BIGINT` is `NUMERIC` in PostgreSQL; the cast makes it a
/// 64-bit integer on both backends.
pub(crate) const POLICY_COUNTS_SINCE: &str = "SELECT scope, country, rule, decision, CAST(SUM(count) AS BIGINT) AS total \
     FROM policy_counters WHERE hour >= $1 \
     GROUP BY scope, country, rule, decision \
     ORDER BY total DESC, country, scope, rule, decision";

// Accounts. Usernames are compared with lower() on both sides: the
// unique index is on lower(username), and usernames are ASCII.

pub(crate) const INSERT_USER: &str = "INSERT INTO users (username, password_hash, role, passkey, created_at) \
     VALUES ($1, $2, $3, $4, $5) RETURNING id";

pub(crate) const COUNT_USERS: &str = "SELECT COUNT(*) FROM users";

/// The account's columns in the order `accounts::user_from_row` reads
/// them, then the password hash.
pub(crate) const USER_BY_NAME: &str = "SELECT id, username, role, passkey, disabled, created_at, password_hash \
     FROM users WHERE lower(username) = lower($1)";

pub(crate) const SET_PASSWORD: &str = "UPDATE users SET password_hash = $1 WHERE id = $2";
pub(crate) const SET_PASSKEY: &str = "UPDATE users SET passkey = $1 WHERE id = $2";
pub(crate) const SET_ROLE: &str = "UPDATE users SET role = $1 WHERE id = $2";
pub(crate) const SET_DISABLED: &str = "UPDATE users SET disabled = $1 WHERE id = $2";

pub(crate) const CREATE_SESSION: &str =
    "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
/// Only live sessions of enabled accounts count.
pub(crate) const SESSION_USER: &str = "SELECT u.id, u.username, u.role, u.passkey, u.disabled, u.created_at \
     FROM sessions s JOIN users u ON u.id = s.user_id \
     WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled";
pub(crate) const DELETE_SESSION: &str = "DELETE FROM sessions WHERE token_hash = $1";
pub(crate) const DELETE_USER_SESSIONS: &str = "DELETE FROM sessions WHERE user_id = $1";
pub(crate) const DELETE_EXPIRED_SESSIONS: &str = "DELETE FROM sessions WHERE expires_at <= $1";

pub(crate) const CREATE_INVITE: &str =
    "INSERT INTO invites (code_hash, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4)";
/// Marks an unused, unexpired invitation ($2) used by account $1 at $3.
pub(crate) const REDEEM_INVITE: &str = "UPDATE invites SET used_by = $1 \
     WHERE code_hash = $2 AND used_by IS NULL AND expires_at > $3";
pub(crate) const INVITES_BY: &str = "SELECT i.created_at, i.expires_at, u.username \
     FROM invites i LEFT JOIN users u ON u.id = i.used_by \
     WHERE i.created_by = $1 ORDER BY i.created_at DESC, i.expires_at DESC";

/// Appends `($1, $2), ($3, $4), ...`: `rows` tuples of `columns`.
fn push_placeholders(sql: &mut String, rows: usize, columns: usize) {
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            let n = row * columns + column + 1;
            let _ = write!(sql, "{}${n}", if column == 0 { "" } else { ", " });
        }
        sql.push(')');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_every_column_of_every_row() {
        assert_eq!(
            upsert_completed(2, "max"),
            "INSERT INTO torrent_stats (info_hash, completed) VALUES ($1, $2), ($3, $4) \
             ON CONFLICT (info_hash) DO UPDATE SET \
             completed = max(torrent_stats.completed, excluded.completed)"
        );
    }

    #[test]
    fn policy_rows_share_the_hour_placeholder() {
        let sql = add_policy_counts(2);
        assert!(
            sql.contains("VALUES ($1, $2, $3, $4, $5, $6), ($1, $7, $8, $9, $10, $11) ON"),
            "{sql}"
        );
    }
}
