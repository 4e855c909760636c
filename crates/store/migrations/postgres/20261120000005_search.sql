-- Full-text search over releases and the seeders column listings sort by.
-- The PostgreSQL twin of migrations/sqlite/20261120000005_search.sql.
--
-- `search` is the release's title, description and file paths as a
-- tsvector of the 'simple' configuration: no stemming and no stop words,
-- the same for every language, so it answers like SQLite's unicode61
-- index. The application writes it inside the release's transaction
-- from text it has already split into words, lowercased and folded
-- (`search.rs`), so the result does not depend on the database's
-- locale. A GIN index serves word and prefix (`:*`) queries.
--
-- Not pg_trgm: trigram indexes find substrings inside words, which
-- SQLite's index cannot, so the two backends would answer differently;
-- they are also several times larger over descriptions and file lists,
-- and the extension needs a superuser to install.
ALTER TABLE releases ADD COLUMN search TSVECTOR NOT NULL DEFAULT ''::tsvector;

-- Releases stored before this migration, folded in SQL as closely as
-- the database's locale allows.
UPDATE releases r SET search = to_tsvector('simple', translate(lower(regexp_replace(
    r.title || ' ' || r.description_md || ' ' ||
    coalesce((SELECT string_agg(f.path, ' ') FROM release_files f WHERE f.release_id = r.id), ''),
    '[^[:alnum:]]+', ' ', 'g')), 'ё', 'е'));

CREATE INDEX releases_search ON releases USING GIN (search);

-- Seeders as the tracker last counted them: see the SQLite migration.
ALTER TABLE releases ADD COLUMN seeders BIGINT NOT NULL DEFAULT 0 CHECK (seeders >= 0);

CREATE INDEX releases_by_seeders ON releases (status, seeders DESC, id DESC);
CREATE INDEX releases_by_size ON releases (status, size DESC, id DESC);
CREATE INDEX releases_by_name ON releases (status, lower(title), id);
