-- The PostgreSQL twin of migrations/sqlite/20261122000013_branding.sql:
-- the site's branding, one row at most; NULL columns fall back to the
-- configuration and the built-in look.
CREATE TABLE branding (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL CHECK (version > 0),
    site_name TEXT,
    accent TEXT CHECK (accent IS NULL OR length(accent) = 7),
    band TEXT CHECK (band IS NULL OR length(band) = 7),
    banner TEXT NOT NULL DEFAULT '',
    logo BYTEA,
    logo_type TEXT CHECK (logo_type IN ('image/png', 'image/svg+xml')),
    updated_at BIGINT NOT NULL,
    CHECK ((logo IS NULL) = (logo_type IS NULL))
);
