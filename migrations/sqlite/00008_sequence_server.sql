-- +goose Up
-- Kept beside PostgreSQL's schema: a SQLite file has one server, and its
-- reservations never record one.
ALTER TABLE sequences ADD COLUMN server TEXT;

-- +goose Down
ALTER TABLE sequences DROP COLUMN server;
