package eventstoretest

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

func testSequences(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	reserve := func(name string, n int64) (int64, error) {
		return s.ReserveSequence(ctx, &eventstore.ReserveSequenceParams{Name: name, N: n})
	}
	first, err := reserve("ref", 10)
	require.NoError(t, err)
	require.Equal(t, int64(1), first)
	other, err := reserve("other", 1)
	require.NoError(t, err)
	require.Equal(t, int64(1), other, "sequences are independent")

	// Concurrent reservations never overlap.
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		taken = map[int64]bool{}
	)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first, err := reserve("ref", 5)
			if !assertNoError(t, err) {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for v := first; v < first+5; v++ {
				if taken[v] {
					t.Errorf("value %d handed out twice", v)
				}
				taken[v] = true
			}
		}()
	}
	wg.Wait()
	require.Len(t, taken, 100)
	for v := int64(11); v <= 110; v++ {
		require.True(t, taken[v], "value %d skipped", v)
	}
	_, err = reserve("ref", 0)
	require.ErrorIs(t, err, eventstore.ErrInvalid)
	_, err = reserve("", 1)
	require.ErrorIs(t, err, eventstore.ErrInvalid)
}

func assertNoError(t *testing.T, err error) bool {
	t.Helper()
	if err != nil {
		t.Errorf("unexpected error: %v", err)
		return false
	}
	return true
}
