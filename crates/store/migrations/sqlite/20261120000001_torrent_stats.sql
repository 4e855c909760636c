-- Completed-download counts per info-hash, as counted by the tracker.
-- Nothing about peers is stored: their addresses live in memory only.
CREATE TABLE torrent_stats (
    info_hash BLOB PRIMARY KEY NOT NULL CHECK (length(info_hash) = 20),
    completed INTEGER NOT NULL CHECK (completed >= 0)
) WITHOUT ROWID;
