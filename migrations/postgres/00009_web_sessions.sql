-- +goose Up
-- Browser sessions (package websession): a cookie's session, stored so
-- that logging out, disabling the user or changing them ends it at once
-- in every process, and so that its number is bounded. id_hash is the
-- SHA-256 of the cookie's value, which is never stored: a reader of the
-- table cannot present one. Times are Unix milliseconds; expires_at is
-- the idle deadline, never past ends_at, the absolute one.
CREATE TABLE web_sessions (
    id_hash      bytea  PRIMARY KEY,
    user_id      text   NOT NULL,
    csrf_token   text   NOT NULL,
    user_version bigint NOT NULL,
    created_at   bigint NOT NULL,
    seen_at      bigint NOT NULL,
    expires_at   bigint NOT NULL,
    ends_at      bigint NOT NULL
);
-- A user's oldest goes first past their bound; expired rows are swept.
CREATE INDEX web_sessions_user ON web_sessions (user_id, created_at);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);

-- One row, locked by each issue (UPDATE) so that concurrent issues, in
-- any process, count and evict one after another and the bounds hold;
-- issued counts the sessions ever issued.
CREATE TABLE web_session_issuer (
    id     integer PRIMARY KEY,
    issued bigint  NOT NULL
);
INSERT INTO web_session_issuer (id, issued) VALUES (1, 0);

-- +goose Down
DROP TABLE web_session_issuer;
DROP TABLE web_sessions;
