-- Private tracking: bytes each member moved per release, as the tracker
-- credited them from announces, and whether they completed it. Written in
-- batches by the accounting flush; never an address, a peer id or a time
-- of an announce (the snatch time is the flush's, to the interval).
CREATE TABLE transfers (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    release_id INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    uploaded INTEGER NOT NULL DEFAULT 0 CHECK (uploaded >= 0),
    downloaded INTEGER NOT NULL DEFAULT 0 CHECK (downloaded >= 0),
    -- Unix seconds of the flush that first recorded a completed download.
    snatched_at INTEGER,
    PRIMARY KEY (user_id, release_id)
) WITHOUT ROWID;
CREATE INDEX transfers_release ON transfers (release_id);

-- Each member's sums over every release, deleted ones included: a ratio
-- does not change when a release goes away. Kept in the same transaction
-- as `transfers`.
CREATE TABLE transfer_totals (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    uploaded INTEGER NOT NULL DEFAULT 0 CHECK (uploaded >= 0),
    downloaded INTEGER NOT NULL DEFAULT 0 CHECK (downloaded >= 0)
);

-- Downloads of a freeleech release do not count against ratios.
ALTER TABLE releases ADD COLUMN freeleech INTEGER NOT NULL DEFAULT 0 CHECK (freeleech IN (0, 1));
