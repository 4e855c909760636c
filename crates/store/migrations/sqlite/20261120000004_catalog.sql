-- The release catalog: categories (a tree), releases with their original
-- .torrent bytes, files, tags and comments. Times are Unix seconds.
-- No column holds an address or anything else that locates a member.
CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    -- NULL for a top-level category. A category with children or
    -- releases cannot be deleted (RESTRICT), so nothing is orphaned.
    parent_id INTEGER REFERENCES categories (id) ON DELETE RESTRICT,
    -- For URLs and the API: lowercase ASCII letters, digits and '-'.
    slug TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 64),
    name_en TEXT NOT NULL CHECK (length(name_en) BETWEEN 1 AND 100),
    name_ru TEXT NOT NULL CHECK (length(name_ru) BETWEEN 1 AND 100),
    -- Siblings are shown by position, then id.
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX categories_parent ON categories (parent_id);

CREATE TABLE releases (
    id INTEGER PRIMARY KEY,
    -- The SHA-1 info-hash (v1 and hybrid torrents) and the full SHA-256
    -- one (v2 and hybrid); each is unique, so the same torrent cannot be
    -- uploaded twice under either of its names.
    info_hash_v1 BLOB UNIQUE CHECK (info_hash_v1 IS NULL OR length(info_hash_v1) = 20),
    info_hash_v2 BLOB UNIQUE CHECK (info_hash_v2 IS NULL OR length(info_hash_v2) = 32),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    -- Markdown as typed; rendered and sanitized when shown.
    description_md TEXT NOT NULL DEFAULT '',
    category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
    uploader_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    status TEXT NOT NULL
        CHECK (status IN ('pending', 'approved', 'needs_fix', 'duplicate', 'closed')),
    -- Sum of the file lengths, pad files excluded.
    size INTEGER NOT NULL CHECK (size >= 0),
    -- BEP 27 private flag of the info dictionary.
    private INTEGER NOT NULL CHECK (private IN (0, 1)),
    -- The uploaded file, byte for byte: downloads rewrite only the
    -- announce keys, never the info dictionary.
    torrent BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    CHECK (info_hash_v1 IS NOT NULL OR info_hash_v2 IS NOT NULL)
);
CREATE INDEX releases_listing ON releases (status, created_at DESC, id DESC);
CREATE INDEX releases_category ON releases (category_id, status, created_at DESC);
CREATE INDEX releases_uploader ON releases (uploader_id);

CREATE TABLE release_files (
    release_id INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    -- Torrent order.
    position INTEGER NOT NULL,
    -- Components joined with '/', lossily decoded where not UTF-8.
    path TEXT NOT NULL,
    length INTEGER NOT NULL CHECK (length >= 0),
    PRIMARY KEY (release_id, position)
) WITHOUT ROWID;

CREATE TABLE release_tags (
    release_id INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    tag TEXT NOT NULL CHECK (length(tag) BETWEEN 1 AND 40),
    PRIMARY KEY (release_id, tag)
) WITHOUT ROWID;
CREATE INDEX release_tags_tag ON release_tags (tag);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    release_id INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    -- Hidden by a moderator: kept, shown to moderators only.
    hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    created_at INTEGER NOT NULL
);
CREATE INDEX comments_release ON comments (release_id, created_at);
CREATE INDEX comments_user ON comments (user_id);

-- The default tree, created once with the schema; admins edit it.
INSERT INTO categories (parent_id, slug, name_en, name_ru, position) VALUES
    (NULL, 'movies', 'Movies', 'Фильмы', 10),
    (NULL, 'tv', 'TV', 'Сериалы и ТВ', 20),
    (NULL, 'music', 'Music', 'Музыка', 30),
    (NULL, 'software', 'Software', 'Программы', 40),
    (NULL, 'books', 'Books', 'Книги', 50),
    (NULL, 'games', 'Games', 'Игры', 60),
    (NULL, 'other', 'Other', 'Разное', 70);
WITH c (parent, slug, name_en, name_ru, position) AS (VALUES
    ('movies', 'movies-documentary', 'Documentaries', 'Документальные', 10),
    ('movies', 'movies-animation', 'Animation', 'Мультфильмы', 20),
    ('tv', 'tv-series', 'Series', 'Сериалы', 10),
    ('tv', 'tv-shows', 'Shows', 'Передачи', 20),
    ('music', 'music-lossless', 'Lossless', 'Без потерь', 10),
    ('music', 'music-lossy', 'Lossy', 'С потерями', 20),
    ('software', 'software-linux', 'Linux', 'Linux', 10),
    ('software', 'software-other-os', 'Other systems', 'Другие системы', 20),
    ('books', 'books-ebooks', 'E-books', 'Электронные книги', 10),
    ('books', 'books-audio', 'Audiobooks', 'Аудиокниги', 20),
    ('games', 'games-pc', 'PC', 'ПК', 10),
    ('games', 'games-console', 'Consoles', 'Консоли', 20)
)
INSERT INTO categories (parent_id, slug, name_en, name_ru, position)
SELECT p.id, c.slug, c.name_en, c.name_ru, c.position
FROM c JOIN categories p ON p.slug = c.parent;
