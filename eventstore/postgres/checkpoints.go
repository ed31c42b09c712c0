package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/fbsession/fbsession/eventstore"
)

// Checkpoint implements eventstore.Checkpoints.
func (s *Store) Checkpoint(ctx context.Context, p *eventstore.CheckpointParams) (eventstore.Cursor, error) {
	var c eventstore.Cursor
	err := s.pool.QueryRow(ctx, checkpointSQL, p.Name).Scan(&c.Commit, &c.Position)
	if errors.Is(err, pgx.ErrNoRows) {
		return eventstore.Start, nil
	}
	return c, interpretError(err)
}

// SaveCheckpoint implements eventstore.Checkpoints.
func (s *Store) SaveCheckpoint(ctx context.Context, p *eventstore.SaveCheckpointParams) error {
	_, err := s.pool.Exec(ctx, saveCheckpointSQL, p.Name, p.Cursor.Commit, p.Cursor.Position)
	return interpretError(err)
}
