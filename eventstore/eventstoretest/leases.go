package eventstoretest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

func testLeases(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	lease := func(name string) (eventstore.Lease, error) {
		return s.Lease(ctx, &eventstore.LeaseParams{Name: name})
	}
	l, err := lease("notifier")
	require.NoError(t, err)
	_, err = lease("notifier")
	require.ErrorIs(t, err, eventstore.ErrLeaseHeld, "one holder at a time")
	other, err := lease("rebuild")
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
	l2, err := lease("notifier")
	require.NoError(t, err, "a released lease can be taken again")
	l2.Release()
}
