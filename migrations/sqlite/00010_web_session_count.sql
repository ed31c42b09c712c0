-- +goose Up
-- As PostgreSQL's (see there).
ALTER TABLE web_session_issuer ADD COLUMN sessions INTEGER NOT NULL DEFAULT 0;
UPDATE web_session_issuer SET sessions = (SELECT count(*) FROM web_sessions) WHERE id = 1;
DROP INDEX web_sessions_user;
CREATE INDEX web_sessions_user ON web_sessions (user_id, seen_at, created_at);

-- +goose Down
DROP INDEX web_sessions_user;
CREATE INDEX web_sessions_user ON web_sessions (user_id, created_at);
ALTER TABLE web_session_issuer DROP COLUMN sessions;
