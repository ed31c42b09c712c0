-- +goose Up
-- A view may keep a second document, its detail: a few KB of user data
-- that changes seldom, stored apart from the document so that an append
-- that leaves it as it is need not send it or have it written again.
-- detail_version is the version of the event that last set it.
-- Existing views keep NULLs, and there is no data migration: a NULL
-- detail_version marks a view written before details, whose document is
-- the whole view.
ALTER TABLE stream_views ADD COLUMN detail TEXT;
ALTER TABLE stream_views ADD COLUMN detail_version INTEGER;

-- +goose Down
-- Details are dropped; the documents written since this migration are not
-- whole without them, so run a view rebuild (fbsessionctl rebuild) with
-- the older version after going down.
ALTER TABLE stream_views DROP COLUMN detail;
ALTER TABLE stream_views DROP COLUMN detail_version;
