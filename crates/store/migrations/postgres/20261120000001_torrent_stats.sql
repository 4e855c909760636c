-- Completed-download counts per info-hash, as counted by the tracker.
-- Nothing about peers is stored: their addresses live in memory only.
-- The PostgreSQL twin of migrations/sqlite/20261120000001_torrent_stats.sql:
-- BYTEA for BLOB, BIGINT for INTEGER (SQLite's INTEGER is 64-bit).
CREATE TABLE torrent_stats (
    info_hash BYTEA PRIMARY KEY CHECK (octet_length(info_hash) = 20),
    completed BIGINT NOT NULL CHECK (completed >= 0)
);
