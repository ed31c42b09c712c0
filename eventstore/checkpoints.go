package eventstore

import "context"

// Checkpoints record how far named feed readers have got.
type Checkpoints interface {
	// Checkpoint returns where the reader p.Name has got to, Start when it
	// never saved one.
	Checkpoint(ctx context.Context, p *CheckpointParams) (Cursor, error)
	// SaveCheckpoint records where the reader p.Name has got to.
	SaveCheckpoint(ctx context.Context, p *SaveCheckpointParams) error
}

// CheckpointParams are the arguments of Checkpoints.Checkpoint.
type CheckpointParams struct {
	Name string
}

// SaveCheckpointParams are the arguments of Checkpoints.SaveCheckpoint.
type SaveCheckpointParams struct {
	Name   string
	Cursor Cursor
}
