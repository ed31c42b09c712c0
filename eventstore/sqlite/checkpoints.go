package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/fbsession/fbsession/eventstore"
)

// Checkpoint implements eventstore.Checkpoints.
func (s *Store) Checkpoint(ctx context.Context, p *eventstore.CheckpointParams) (eventstore.Cursor, error) {
	var commit, pos int64
	err := s.read.QueryRowContext(ctx, checkpointSQL, p.Name).Scan(&commit, &pos)
	if errors.Is(err, sql.ErrNoRows) {
		return eventstore.Start, nil
	}
	return eventstore.Cursor{Commit: uint64(commit), Position: pos}, interpretError(err)
}

// SaveCheckpoint implements eventstore.Checkpoints.
func (s *Store) SaveCheckpoint(ctx context.Context, p *eventstore.SaveCheckpointParams) error {
	_, err := s.write.ExecContext(ctx, saveCheckpointSQL, p.Name, int64(p.Cursor.Commit), p.Cursor.Position, s.cfg.Now().UnixMicro())
	return interpretError(err)
}
