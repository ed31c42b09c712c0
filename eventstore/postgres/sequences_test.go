package postgres

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

// A standby promoted after an asynchronous primary failed may lack the
// primary's last reservation, handed out already. Its row then names the
// old server: the next reservation, on the new one, skips FailoverGap
// values, past every block the old primary gave.
func TestReservationOnAnotherServerSkipsAhead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, Config{FailoverGap: 1_000_000})
	reserve := func() int64 {
		first, err := s.ReserveSequence(ctx, &eventstore.ReserveSequenceParams{Name: "referenceId", N: 1000})
		require.NoError(t, err)
		return first
	}
	require.Equal(t, int64(1), reserve())
	require.Equal(t, int64(1001), reserve(), "the same server: no gap")
	var server string
	require.NoError(t, s.pool.QueryRow(ctx, "SELECT server FROM sequences WHERE name = 'referenceId'").Scan(&server))
	require.Regexp(t, `^\d+/[0-9A-F]{8}$`, server, "system identifier / timeline")

	// The failover: the promoted database has the row as it was before the
	// second block (1001-2000, already handed out), written on the old
	// primary's timeline.
	_, err := s.pool.Exec(ctx, "UPDATE sequences SET next = 1001, server = $1 WHERE name = 'referenceId'", server[:len(server)-8]+"00000001x")
	require.NoError(t, err)
	first := reserve()
	require.Equal(t, int64(1001+1_000_000), first, "skipped past the lost reservations")
	require.Equal(t, first+1000, reserve(), "and on from there")
}
