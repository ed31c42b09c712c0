-- +goose Up
CREATE TABLE checkpoints (
    name       TEXT    PRIMARY KEY,
    commit_seq INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE checkpoints;
