-- A member may delete their account; their comments stay, attributed
-- to a deleted account: the author becomes NULL instead of the comment
-- going with the account. (Releases already work this way:
-- releases.uploader_id is nullable, ON DELETE SET NULL.)
--
-- SQLite cannot change a column's constraints in place, so the table is
-- rebuilt (https://sqlite.org/lang_altertable.html, "other kinds of
-- table schema changes"). No other table refers to comments, so
-- dropping the old one with foreign keys on is safe.
CREATE TABLE comments_rebuilt (
    id INTEGER PRIMARY KEY,
    release_id INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    -- NULL once the author's account is deleted.
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    created_at INTEGER NOT NULL
);
INSERT INTO comments_rebuilt (id, release_id, user_id, body, hidden, created_at)
SELECT id, release_id, user_id, body, hidden, created_at FROM comments;
DROP TABLE comments;
ALTER TABLE comments_rebuilt RENAME TO comments;
CREATE INDEX comments_release ON comments (release_id, created_at);
CREATE INDEX comments_user ON comments (user_id);
