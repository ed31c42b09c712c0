-- +goose Up
-- The read model of each stream, written in the same statement as the
-- stream's events: a GET after an append always sees it.
CREATE TABLE stream_views (
    stream_id text    PRIMARY KEY,
    version   bigint  NOT NULL,
    owner     text    NOT NULL,
    active    boolean NOT NULL,
    document  json    NOT NULL
);
CREATE INDEX stream_views_owner_idx ON stream_views (owner, active);

-- Named counters handed out in blocks (referenceIds).
CREATE TABLE sequences (
    name text   PRIMARY KEY,
    next bigint NOT NULL
);

-- +goose Down
DROP TABLE sequences;
DROP TABLE stream_views;
