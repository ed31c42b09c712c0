-- +goose Up
-- Upgrading across this migration: stop every fbsessiond of the older
-- version first (or run fbsessionctl migrate while they are stopped). The
-- older binaries read and write owner/active, which this drops, and the
-- UPDATE rewrites every view under an exclusive lock.
-- The store no longer knows what a view's owner or activity mean: the
-- writer lists a view under one key of its choosing, or nowhere (''). A
-- view was listed by its owner while active, so that is its key. SQLite
-- cannot drop an indexed column, so the index goes first, and cannot drop
-- a column's default: list_key keeps DEFAULT '', which the store never
-- relies on.
ALTER TABLE stream_views ADD COLUMN list_key TEXT NOT NULL DEFAULT '';
UPDATE stream_views SET list_key = CASE WHEN active THEN owner ELSE '' END;
DROP INDEX stream_views_owner_idx;
ALTER TABLE stream_views DROP COLUMN owner;
ALTER TABLE stream_views DROP COLUMN active;
-- Partial: views listed nowhere take no index entry, and ListViews never
-- asks for the empty key.
CREATE INDEX stream_views_list_key_idx ON stream_views (list_key) WHERE list_key <> '';

-- +goose Down
-- The owner of a view listed nowhere is not kept: it comes back as '' and
-- inactive. A view rebuild (fbsessionctl rebuild) restores it from the log.
ALTER TABLE stream_views ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE stream_views ADD COLUMN active INTEGER NOT NULL DEFAULT 0;
UPDATE stream_views SET owner = list_key, active = list_key <> '';
DROP INDEX stream_views_list_key_idx;
ALTER TABLE stream_views DROP COLUMN list_key;
CREATE INDEX stream_views_owner_idx ON stream_views (owner, active);
