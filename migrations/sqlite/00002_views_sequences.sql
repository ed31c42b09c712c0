-- +goose Up
CREATE TABLE stream_views (
    stream_id TEXT    PRIMARY KEY,
    version   INTEGER NOT NULL,
    owner     TEXT    NOT NULL,
    active    INTEGER NOT NULL,
    document  TEXT    NOT NULL
);
CREATE INDEX stream_views_owner_idx ON stream_views (owner, active);

CREATE TABLE sequences (
    name TEXT    PRIMARY KEY,
    next INTEGER NOT NULL
);

-- +goose Down
DROP TABLE sequences;
DROP TABLE stream_views;
