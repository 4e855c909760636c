-- Full-text search over releases and the seeders column listings sort by.
--
-- `release_search` indexes one document per release (rowid = release
-- id): its title, description and file paths, as `search.rs`
-- writes it inside the release's own transaction. unicode61 splits on
-- anything that is not a letter or digit and folds case in every script
-- (Latin and Cyrillic alike); remove_diacritics 2 also folds accents, so
-- "café" finds "cafe" and "ё" finds "е". The table is contentless: it
-- keeps the index, not a second copy of the text (the releases row has
-- it), and contentless_delete (SQLite 3.43+) lets a deleted release
-- leave the index.
CREATE VIRTUAL TABLE release_search USING fts5 (
    document,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Releases stored before this migration. The tokenizer does the folding
-- the application does for new rows (case, punctuation, ё).
INSERT INTO release_search (rowid, document)
SELECT r.id,
       r.title || ' ' || r.description_md || ' ' ||
       coalesce((SELECT group_concat(f.path, ' ') FROM release_files f WHERE f.release_id = r.id), '')
FROM releases r;

CREATE TRIGGER releases_leave_search AFTER DELETE ON releases BEGIN
    DELETE FROM release_search WHERE rowid = old.id;
END;

-- Seeders of the release's swarm as the tracker last counted them,
-- refreshed periodically: a count per release, nothing per peer. Only
-- the listing's "most seeded first" order reads it; pages show live
-- counts.
ALTER TABLE releases ADD COLUMN seeders INTEGER NOT NULL DEFAULT 0 CHECK (seeders >= 0);

-- One index per listing order, led by status (every public listing
-- filters on it), so a page of an unfiltered order is an index walk.
CREATE INDEX releases_by_seeders ON releases (status, seeders DESC, id DESC);
CREATE INDEX releases_by_size ON releases (status, size DESC, id DESC);
CREATE INDEX releases_by_name ON releases (status, title COLLATE NOCASE, id);
