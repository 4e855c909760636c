-- A member may delete their account; their comments stay, attributed
-- to a deleted account (author NULL). The PostgreSQL twin of
-- migrations/sqlite/20261121000007_deleted_accounts.sql.
ALTER TABLE comments ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE comments
    DROP CONSTRAINT comments_user_id_fkey,
    ADD CONSTRAINT comments_user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL;
