package projections_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/projections"
)

// resumingProjector records what it projects, and resumes from a cursor of
// its choosing.
type resumingProjector struct {
	recordingProjector
	from, to eventstore.Cursor
	told     chan eventstore.Cursor
}

func (p *resumingProjector) Resume(_ context.Context, from eventstore.Cursor) (eventstore.Cursor, error) {
	p.told <- from
	if from == p.from {
		return p.to, nil
	}
	return from, nil
}

// A Resumer is told the checkpoint when the runner takes the lease, before
// anything is projected, and the runner projects from where it says: a
// cursor moved back projects again what follows it.
func TestRunnerResumesWhereTheResumerSays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newSQLiteStore(t)
	var recorded []eventstore.RecordedEvent
	for i := range 4 {
		res, err := store.Append(ctx, &eventstore.AppendParams{StreamID: fmt.Sprint("s", i),
			Events: []eventstore.EventData{{Type: "Noted", SchemaVersion: 1, Data: []byte(`{}`), Metadata: []byte(`{}`)}}})
		require.NoError(t, err)
		recorded = append(recorded, res.Events[0])
	}
	checkpoint := recorded[3].Cursor()
	require.NoError(t, store.SaveCheckpoint(ctx, &eventstore.SaveCheckpointParams{Name: "p", Cursor: checkpoint}))
	p := &resumingProjector{from: checkpoint, to: recorded[1].Cursor(), told: make(chan eventstore.Cursor, 1)}
	r, err := projections.NewRunner(projections.RunnerConfig{Name: "p", Store: store, Projector: p})
	require.NoError(t, err)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.Run(rctx)
	}()
	require.Equal(t, checkpoint, <-p.told)
	require.Eventually(t, func() bool { return p.projected() == 2 }, 10*time.Second, 5*time.Millisecond)
	cancel()
	<-done
	require.Equal(t, []int64{recorded[2].Position, recorded[3].Position}, p.positions)
	saved, err := store.Checkpoint(ctx, &eventstore.CheckpointParams{Name: "p"})
	require.NoError(t, err)
	require.Equal(t, checkpoint, saved)
}
