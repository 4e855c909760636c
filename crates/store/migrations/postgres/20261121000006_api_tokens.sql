-- API tokens for `Authorization: Bearer`. The PostgreSQL twin of
-- migrations/sqlite/20261121000006_api_tokens.sql: only the token's
-- SHA-256 is kept, and nothing that locates a member.
CREATE TABLE api_tokens (
    token_hash BYTEA PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);
