-- The PostgreSQL twin of migrations/sqlite/20261123000014_transfers_leeched.sql:
-- whether the tracker let the member download the release.
ALTER TABLE transfers ADD COLUMN leeched BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE transfers SET leeched = TRUE WHERE downloaded > 0 OR snatched_at IS NOT NULL;
