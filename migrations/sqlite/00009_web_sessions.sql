-- +goose Up
-- As PostgreSQL's (see there). The issuer row is kept for the same
-- statements: SQLite's writer lock already serialises issues.
CREATE TABLE web_sessions (
    id_hash      BLOB    PRIMARY KEY,
    user_id      TEXT    NOT NULL,
    csrf_token   TEXT    NOT NULL,
    user_version INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    seen_at      INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id, created_at);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);

CREATE TABLE web_session_issuer (
    id     INTEGER PRIMARY KEY,
    issued INTEGER NOT NULL
);
INSERT INTO web_session_issuer (id, issued) VALUES (1, 0);

-- +goose Down
DROP TABLE web_session_issuer;
DROP TABLE web_sessions;
