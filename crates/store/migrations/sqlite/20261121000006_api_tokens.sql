-- API tokens for `Authorization: Bearer` (POST /api/v1/auth/token).
-- Like session tokens, only their SHA-256 is kept: whoever reads the
-- database cannot call the API with them. No address, user agent or
-- last-use time is recorded; a token lives until its member revokes it,
-- changes their password or deletes their account.
CREATE TABLE api_tokens (
    token_hash BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);
