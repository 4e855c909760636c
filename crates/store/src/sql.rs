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

/// The account's columns in `accounts::user_from_row`'s order.
pub(crate) const USER_BY_PASSKEY: &str = "SELECT id, username, role, passkey, disabled, created_at \
     FROM users WHERE passkey = $1";

pub(crate) const SET_PASSWORD: &str = "UPDATE users SET password_hash = $1 WHERE id = $2";
pub(crate) const REPLACE_PASSKEY: &str =
    "UPDATE users SET passkey = $1 WHERE id = $2 AND passkey = $3";
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

// The catalog.

pub(crate) const CATEGORIES: &str = "SELECT id, parent_id, slug, name_en, name_ru, position \
     FROM categories ORDER BY position, id";
pub(crate) const INSERT_CATEGORY: &str = "INSERT INTO categories (parent_id, slug, name_en, name_ru, position) \
     VALUES ($1, $2, $3, $4, $5) RETURNING id";
pub(crate) const UPDATE_CATEGORY: &str = "UPDATE categories SET parent_id = $1, slug = $2, name_en = $3, \
     name_ru = $4, position = $5 WHERE id = $6";
pub(crate) const DELETE_CATEGORY: &str = "DELETE FROM categories WHERE id = $1";

pub(crate) const INSERT_RELEASE: &str = "INSERT INTO releases (info_hash_v1, info_hash_v2, title, description_md, \
     category_id, uploader_id, status, size, private, torrent, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id";
pub(crate) const INSERT_RELEASE_FILE: &str =
    "INSERT INTO release_files (release_id, position, path, length) VALUES ($1, $2, $3, $4)";
pub(crate) const INSERT_RELEASE_TAG: &str =
    "INSERT INTO release_tags (release_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING";

/// A release's columns in the order `catalog::release_from_row` reads
/// them; `FROM releases r LEFT JOIN users u` follows.
const RELEASE_COLUMNS: &str = "SELECT r.id, r.info_hash_v1, r.info_hash_v2, r.title, r.description_md, \
     r.category_id, r.uploader_id, u.username, r.status, r.size, r.private, r.created_at, \
     r.freeleech FROM releases r LEFT JOIN users u ON u.id = r.uploader_id";

pub(crate) fn release_by_id() -> String {
    format!("{RELEASE_COLUMNS} WHERE r.id = $1")
}

/// A member's newest releases ($2 at most), any status.
pub(crate) fn releases_by_uploader() -> String {
    format!(
        "{RELEASE_COLUMNS} WHERE r.uploader_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2"
    )
}

/// The id of the release holding either hash ($1: v1, $2: v2; NULLs
/// match nothing).
pub(crate) const RELEASE_ID_BY_HASH: &str =
    "SELECT id FROM releases WHERE info_hash_v1 = $1 OR info_hash_v2 = $2 ORDER BY id LIMIT 1";
pub(crate) const RELEASE_TORRENT: &str = "SELECT torrent FROM releases WHERE id = $1";
pub(crate) const RELEASE_FILES: &str =
    "SELECT path, length FROM release_files WHERE release_id = $1 ORDER BY position";
pub(crate) const RELEASE_TAGS: &str =
    "SELECT tag FROM release_tags WHERE release_id = $1 ORDER BY tag";
pub(crate) const SET_RELEASE_STATUS: &str = "UPDATE releases SET status = $1 WHERE id = $2";
pub(crate) const DELETE_RELEASE: &str = "DELETE FROM releases WHERE id = $1";

/// Approved releases with both hashes: what the seeders refresh counts.
pub(crate) const APPROVED_RELEASE_HASHES: &str =
    "SELECT id, info_hash_v1, info_hash_v2 FROM releases WHERE status = 'approved'";
pub(crate) const INSERT_COMMENT: &str = "INSERT INTO comments (release_id, user_id, body, created_at) \
     VALUES ($1, $2, $3, $4) RETURNING id";
/// A release's comments, oldest first; hidden ones only when $2 is true.
/// A deleted author's comments stay, with a NULL author.
pub(crate) const COMMENTS: &str = "SELECT c.id, c.user_id, u.username, c.body, c.hidden, c.created_at \
     FROM comments c LEFT JOIN users u ON u.id = c.user_id \
     WHERE c.release_id = $1 AND (NOT c.hidden OR $2) ORDER BY c.created_at, c.id";
pub(crate) const SET_COMMENT_HIDDEN: &str = "UPDATE comments SET hidden = $1 WHERE id = $2";
pub(crate) const COMMENT_RELEASE: &str = "SELECT release_id FROM comments WHERE id = $1";

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
