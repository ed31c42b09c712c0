package eventstoretest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

func testCheckpoints(t *testing.T, h Harness) {
	t.Run("Checkpoint", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := h.New(t)
		c, err := s.Checkpoint(ctx, "notifier")
		require.NoError(t, err)
		require.Equal(t, eventstore.Start, c)
		res, err := s.Append(ctx, appendParams("c", eventstore.NoStream, 2))
		require.NoError(t, err)
		want := res.Events[1].Cursor()
		require.NoError(t, s.SaveCheckpoint(ctx, "notifier", want))
		c, err = s.Checkpoint(ctx, "notifier")
		require.NoError(t, err)
		require.Equal(t, want, c)
		other, err := s.Checkpoint(ctx, "other")
		require.NoError(t, err)
		require.Equal(t, eventstore.Start, other, "checkpoints are per name")

		head, err := s.Head(ctx)
		require.NoError(t, err)
		require.Equal(t, res.Events[1].Position, head)
	})

	t.Run("Lease", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := h.New(t)
		l, err := s.Lease(ctx, "notifier")
		require.NoError(t, err)
		_, err = s.Lease(ctx, "notifier")
		require.ErrorIs(t, err, eventstore.ErrLeaseHeld, "one holder at a time")
		other, err := s.Lease(ctx, "rebuild")
		require.NoError(t, err, "leases are per name")
		other.Release()

		select {
		case <-l.Lost():
			t.Fatal("a held lease is not lost")
		case <-time.After(50 * time.Millisecond):
		}
		l.Release()
		select {
		case <-l.Lost():
		case <-time.After(5 * time.Second):
			t.Fatal("Lost is closed after Release")
		}
		l2, err := s.Lease(ctx, "notifier")
		require.NoError(t, err, "a released lease can be taken again")
		l2.Release()
	})
}
