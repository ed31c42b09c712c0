-- +goose Up
-- A view may keep a second document, its detail: a few KB of user data
-- that changes seldom, stored apart from the document so that an append
-- that leaves it as it is need not send it or have it written again.
-- detail_version is the version of the event that last set it.
-- Existing views keep NULLs, and there is no data migration: a NULL
-- detail_version marks a view written before details, whose document is
-- the whole view. Upgrading across this migration, stop every older
-- fbsessiond first: it would write whole documents and leave a stale
-- detail beside them (readers then take the document's, but the notifier
-- reads the stream more).
ALTER TABLE stream_views ADD COLUMN detail json, ADD COLUMN detail_version bigint;
-- Out of line, an UPDATE that leaves the detail as it is keeps its TOAST
-- pointer, so the row that each append rewrites (and its WAL) stays
-- small. EXTERNAL rather than the default EXTENDED: a detail compressed
-- small enough to stay inline would be copied into every new row version.
-- Either only applies to a row past toast_tuple_target (about 2 KB): a
-- small detail stays inline, and is copied, which costs little.
ALTER TABLE stream_views ALTER COLUMN detail SET STORAGE EXTERNAL;

-- +goose Down
-- Details are dropped; the documents written since this migration are not
-- whole without them, so run a view rebuild (fbsessionctl rebuild) with
-- the older version after going down.
ALTER TABLE stream_views DROP COLUMN detail, DROP COLUMN detail_version;
