package eventstoretest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

func testCheckpoints(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	c, err := s.Checkpoint(ctx, &eventstore.CheckpointParams{Name: "notifier"})
	require.NoError(t, err)
	require.Equal(t, eventstore.Start, c)
	res, err := s.Append(ctx, appendParams("c", eventstore.NoStream, 2))
	require.NoError(t, err)
	want := res.Events[1].Cursor()
	require.NoError(t, s.SaveCheckpoint(ctx, &eventstore.SaveCheckpointParams{Name: "notifier", Cursor: want}))
	c, err = s.Checkpoint(ctx, &eventstore.CheckpointParams{Name: "notifier"})
	require.NoError(t, err)
	require.Equal(t, want, c)
	other, err := s.Checkpoint(ctx, &eventstore.CheckpointParams{Name: "other"})
	require.NoError(t, err)
	require.Equal(t, eventstore.Start, other, "checkpoints are per name")

	head, err := s.Head(ctx)
	require.NoError(t, err)
	require.Equal(t, res.Events[1].Position, head)
}
