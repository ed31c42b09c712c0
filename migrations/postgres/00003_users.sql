-- +goose Up
-- Users of the API. version grows with every change to any user, so a
-- process can tell with one query whether its credential cache is stale.
CREATE TABLE users (
    id            text    PRIMARY KEY,
    user_name     text    NOT NULL UNIQUE,
    password_hash text    NOT NULL,
    roles         text    NOT NULL,
    features      text    NOT NULL,
    disabled      boolean NOT NULL DEFAULT false,
    version       bigint  NOT NULL
);

-- +goose Down
DROP TABLE users;
