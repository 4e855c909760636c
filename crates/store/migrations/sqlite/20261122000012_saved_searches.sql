-- Searches members saved under a name, each with its own RSS feed.
-- `query` is the listing's query string as normalized by the portal
-- (no status, no page); `feed_token` names the feed in its URL
-- (/rss/saved/<token>): 32 random hex characters, so the feeds of other
-- members' searches cannot be found by counting. Nothing here locates a
-- member.
CREATE TABLE saved_searches (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    query TEXT NOT NULL CHECK (length(query) <= 2000),
    feed_token TEXT NOT NULL UNIQUE CHECK (length(feed_token) = 32),
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, name)
);
