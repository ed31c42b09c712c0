-- +goose Up
-- The issuer row keeps the number of stored sessions, changed by every
-- insert and delete made under its lock, so that an issue counts none:
-- a count(*) of the table under the one lock every issue takes made a
-- login storm cost every other login (and the pool the event store
-- shares) a scan each. The periodic sweep counts again, under the lock.
ALTER TABLE web_session_issuer ADD COLUMN sessions bigint NOT NULL DEFAULT 0;
UPDATE web_session_issuer SET sessions = (SELECT count(*) FROM web_sessions) WHERE id = 1;
-- Past their bound a user's least recently seen session goes first.
DROP INDEX web_sessions_user;
CREATE INDEX web_sessions_user ON web_sessions (user_id, seen_at, created_at);

-- +goose Down
DROP INDEX web_sessions_user;
CREATE INDEX web_sessions_user ON web_sessions (user_id, created_at);
ALTER TABLE web_session_issuer DROP COLUMN sessions;
