package users

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Attempts refused for want of a check slot are told to come back at
// times spread over what the queue takes to drain, not all after 1 s.
func TestBusyRetriesAreSpreadOverTheQueue(t *testing.T) {
	t.Parallel()
	var l checkLoad
	require.Equal(t, time.Second, l.retryAfter(1), "no check timed yet")
	l.waiting.Store(300)
	l.took.Store(int64(100 * time.Millisecond))
	seen := map[time.Duration]bool{}
	for range 2000 {
		d := l.retryAfter(1)
		require.GreaterOrEqual(t, d, time.Second)
		require.LessOrEqual(t, d, 30*time.Second, "300 checks of 100 ms on one slot drain in 30 s")
		seen[d] = true
	}
	require.Greater(t, len(seen), 20, "spread over the 30 s")
	l.waiting.Store(5)
	require.Equal(t, time.Second, l.retryAfter(1), "a short queue: come back in a second")
}
