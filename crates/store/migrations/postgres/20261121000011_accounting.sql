-- The PostgreSQL twin of migrations/sqlite/20261121000011_accounting.sql:
-- bytes each member moved per release and their snatches, and per-member
-- sums; never an address or a peer id.
CREATE TABLE transfers (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    release_id BIGINT NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    uploaded BIGINT NOT NULL DEFAULT 0 CHECK (uploaded >= 0),
    downloaded BIGINT NOT NULL DEFAULT 0 CHECK (downloaded >= 0),
    snatched_at BIGINT,
    PRIMARY KEY (user_id, release_id)
);
CREATE INDEX transfers_release ON transfers (release_id);

CREATE TABLE transfer_totals (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    uploaded BIGINT NOT NULL DEFAULT 0 CHECK (uploaded >= 0),
    downloaded BIGINT NOT NULL DEFAULT 0 CHECK (downloaded >= 0)
);

ALTER TABLE releases ADD COLUMN freeleech BOOLEAN NOT NULL DEFAULT FALSE;
