package users

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Attempts refused for want of a check slot are told to come back one
// after another at the pace the slots check, not all after 1 s.
func TestBusyRetriesArePaced(t *testing.T) {
	t.Parallel()
	var l checkLoad
	now := time.Now()
	require.Equal(t, time.Second, l.retryAfter(1, now), "no check timed yet")
	l.took.Store(int64(100 * time.Millisecond))
	l.booked = time.Time{}
	counts := map[time.Duration]int{}
	for range 300 {
		counts[l.retryAfter(2, now)]++
	}
	// 300 checks of 100 ms on 2 slots take 15 s: 20 a second.
	require.Len(t, counts, 15)
	require.Equal(t, 39, counts[time.Second], "those due within 2 s come back after 1")
	require.Equal(t, 20, counts[5*time.Second])
	require.Equal(t, 1, counts[15*time.Second])
	require.Equal(t, time.Second, l.retryAfter(2, now.Add(time.Minute)), "a drained queue books from now")
}

// A flood of refused attempts that never come back books no turn past
// maxBookedAhead: later users are not told to come back in minutes.
func TestRetryAfterIsBounded(t *testing.T) {
	t.Parallel()
	l := &checkLoad{}
	l.checked(250 * time.Millisecond)
	now := time.Unix(1_000_000, 0)
	var last time.Duration
	for range 10_000 {
		last = l.retryAfter(1, now)
	}
	require.LessOrEqual(t, last, maxBookedAhead)
	require.GreaterOrEqual(t, last, maxBookedAhead-time.Second)
}
