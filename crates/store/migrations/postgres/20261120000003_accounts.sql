-- Member accounts, their login sessions and invitations.
-- The PostgreSQL twin of migrations/sqlite/20261120000003_accounts.sql:
-- no column holds an IP address or anything else that locates a member;
-- times are Unix seconds; session tokens and invite codes are stored as
-- their SHA-256 only.
CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Usernames are ASCII, so lower() agrees with SQLite's.
    username TEXT COLLATE "C" NOT NULL CHECK (length(username) BETWEEN 3 AND 32),
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'moderator', 'uploader', 'member')),
    passkey TEXT COLLATE "C" NOT NULL UNIQUE CHECK (length(passkey) = 32),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE invites (
    code_hash BYTEA PRIMARY KEY CHECK (octet_length(code_hash) = 32),
    created_by BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    used_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX invites_creator ON invites (created_by);
