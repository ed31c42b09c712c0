package postgres

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

// The barrier commits; a caller gone already is answered that the store
// is unavailable.
func TestDurableBarrier(t *testing.T) {
	t.Parallel()
	s := newStore(t, Config{})
	require.NoError(t, s.Durable(context.Background()))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, s.Durable(ctx), eventstore.ErrUnavailable)
}

// The test server replicates to nobody: no synchronous standby.
func TestSyncStandbysNone(t *testing.T) {
	t.Parallel()
	s := newStore(t, Config{})
	n, err := s.SyncStandbys(context.Background())
	require.ErrorIs(t, err, ErrNoSyncStandby)
	require.Zero(t, n)
}
