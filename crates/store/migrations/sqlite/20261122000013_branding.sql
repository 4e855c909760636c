-- The site's branding, set by administrators in the portal: one row at
-- most. NULL columns fall back to the configuration and the built-in
-- look. `version` grows with every save, so portal processes can tell
-- cheaply whether to reload.
CREATE TABLE branding (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL CHECK (version > 0),
    site_name TEXT,
    -- '#rrggbb' colours.
    accent TEXT CHECK (accent IS NULL OR length(accent) = 7),
    band TEXT CHECK (band IS NULL OR length(band) = 7),
    banner TEXT NOT NULL DEFAULT '',
    -- A validated PNG or a sanitized SVG.
    logo BLOB,
    logo_type TEXT CHECK (logo_type IN ('image/png', 'image/svg+xml')),
    updated_at INTEGER NOT NULL,
    CHECK ((logo IS NULL) = (logo_type IS NULL))
);
