-- Member accounts, their login sessions and invitations.
-- No column holds an IP address, a user agent or anything else that
-- locates a member: not for sign-up, not for log-in, not for invites.
-- Times are Unix seconds. Secrets that only need comparing (session
-- tokens, invite codes) are stored as their SHA-256, never in the clear.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    -- As typed at sign-up; unique regardless of case (index below).
    -- Usernames are ASCII, so lower() agrees on SQLite and PostgreSQL.
    username TEXT NOT NULL CHECK (length(username) BETWEEN 3 AND 32),
    -- A PHC string ($argon2id$...), never a plain password.
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'moderator', 'uploader', 'member')),
    -- 32 lowercase hex characters; in every .torrent the member downloads.
    passkey TEXT NOT NULL UNIQUE CHECK (length(passkey) = 32),
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE invites (
    code_hash BLOB PRIMARY KEY NOT NULL CHECK (length(code_hash) = 32),
    created_by INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    used_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX invites_creator ON invites (created_by);
