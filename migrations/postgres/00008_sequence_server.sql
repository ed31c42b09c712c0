-- +goose Up
-- The server a sequence's last reservation was made on: its system
-- identifier and timeline. A reservation on another server (a standby
-- promoted, which may not have the last reservations of the primary it
-- replaced) skips ahead first, so that no value is handed out twice.
ALTER TABLE sequences ADD COLUMN server text;

-- +goose Down
ALTER TABLE sequences DROP COLUMN server;
