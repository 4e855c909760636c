-- The PostgreSQL twin of migrations/sqlite/20261122000012_saved_searches.sql:
-- members' named searches and their feed tokens.
CREATE TABLE saved_searches (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    query TEXT NOT NULL CHECK (length(query) <= 2000),
    feed_token TEXT NOT NULL UNIQUE CHECK (length(feed_token) = 32),
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, name)
);
