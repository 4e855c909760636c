-- The release catalog. The PostgreSQL twin of
-- migrations/sqlite/20261120000004_catalog.sql: same tables, same
-- constraints, BYTEA for BLOB, BIGINT for INTEGER, BOOLEAN for 0/1.
CREATE TABLE categories (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id BIGINT REFERENCES categories (id) ON DELETE RESTRICT,
    slug TEXT COLLATE "C" NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 64),
    name_en TEXT NOT NULL CHECK (length(name_en) BETWEEN 1 AND 100),
    name_ru TEXT NOT NULL CHECK (length(name_ru) BETWEEN 1 AND 100),
    position BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX categories_parent ON categories (parent_id);

CREATE TABLE releases (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    info_hash_v1 BYTEA UNIQUE CHECK (info_hash_v1 IS NULL OR octet_length(info_hash_v1) = 20),
    info_hash_v2 BYTEA UNIQUE CHECK (info_hash_v2 IS NULL OR octet_length(info_hash_v2) = 32),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description_md TEXT NOT NULL DEFAULT '',
    category_id BIGINT NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
    uploader_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    status TEXT NOT NULL
        CHECK (status IN ('pending', 'approved', 'needs_fix', 'duplicate', 'closed')),
    size BIGINT NOT NULL CHECK (size >= 0),
    private BOOLEAN NOT NULL,
    torrent BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK (info_hash_v1 IS NOT NULL OR info_hash_v2 IS NOT NULL)
);
CREATE INDEX releases_listing ON releases (status, created_at DESC, id DESC);
CREATE INDEX releases_category ON releases (category_id, status, created_at DESC);
CREATE INDEX releases_uploader ON releases (uploader_id);

CREATE TABLE release_files (
    release_id BIGINT NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    path TEXT NOT NULL,
    length BIGINT NOT NULL CHECK (length >= 0),
    PRIMARY KEY (release_id, position)
);

CREATE TABLE release_tags (
    release_id BIGINT NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    tag TEXT COLLATE "C" NOT NULL CHECK (length(tag) BETWEEN 1 AND 40),
    PRIMARY KEY (release_id, tag)
);
CREATE INDEX release_tags_tag ON release_tags (tag);

CREATE TABLE comments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    release_id BIGINT NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    hidden BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
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
