-- +goose Up
CREATE TABLE users (
    id            TEXT    PRIMARY KEY,
    user_name     TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    roles         TEXT    NOT NULL,
    features      TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL
);

-- +goose Down
DROP TABLE users;
