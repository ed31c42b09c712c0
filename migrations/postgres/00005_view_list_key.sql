-- +goose Up
-- Upgrading across this migration: stop every fbsessiond of the older
-- version first (or run fbsessionctl migrate while they are stopped). The
-- older binaries read and write owner/active, which this drops, and the
-- UPDATE rewrites every view under an exclusive lock.
-- The store no longer knows what a view's owner or activity mean: the
-- writer lists a view under one key of its choosing, or nowhere (''). A
-- view was listed by its owner while active, so that is its key.
ALTER TABLE stream_views ADD COLUMN list_key text NOT NULL DEFAULT '';
UPDATE stream_views SET list_key = CASE WHEN active THEN owner ELSE '' END;
ALTER TABLE stream_views ALTER COLUMN list_key DROP DEFAULT;
DROP INDEX stream_views_owner_idx;
ALTER TABLE stream_views DROP COLUMN owner, DROP COLUMN active;
-- Partial: views listed nowhere, most of them once sessions end, take no
-- index entry, and ListViews never asks for the empty key.
CREATE INDEX stream_views_list_key_idx ON stream_views (list_key) WHERE list_key <> '';

-- +goose Down
-- The owner of a view listed nowhere is not kept: it comes back as '' and
-- inactive. A view rebuild (fbsessionctl rebuild) restores it from the log.
ALTER TABLE stream_views ADD COLUMN owner text NOT NULL DEFAULT '',
    ADD COLUMN active boolean NOT NULL DEFAULT false;
UPDATE stream_views SET owner = list_key, active = list_key <> '';
ALTER TABLE stream_views ALTER COLUMN owner DROP DEFAULT, ALTER COLUMN active DROP DEFAULT;
DROP INDEX stream_views_list_key_idx;
ALTER TABLE stream_views DROP COLUMN list_key;
CREATE INDEX stream_views_owner_idx ON stream_views (owner, active);
