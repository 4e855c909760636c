-- The columns listings filter and sort on, keyed by release id. A text
-- search with few matches starts from its FTS5 matches and looks each
-- release up by id (search_sql.rs, "drive"); in this index that is one
-- seek in a narrow b-tree, where the row itself is wide (description,
-- the .torrent bytes) and often spills onto overflow pages.
CREATE INDEX releases_filter ON releases (id, status, category_id, size, created_at, seeders);
