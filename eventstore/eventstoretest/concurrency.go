package eventstoretest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

func testConcurrency(t *testing.T, h Harness) {
	// N appenders race at one expected version: one wins, the others are
	// told so, and the stream holds exactly the winner's events.
	for _, expected := range []int64{eventstore.NoStream, 1} {
		t.Run(fmt.Sprintf("OneStreamFromVersion%d", expected), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := h.New(t)
			const n = 30
			if expected > 0 {
				_, err := s.Append(ctx, appendParams("race", eventstore.NoStream, int(expected)))
				require.NoError(t, err)
			}
			var (
				wg        sync.WaitGroup
				mu        sync.Mutex
				winners   []*eventstore.AppendResult
				conflicts int
				others    []error
			)
			start := make(chan struct{})
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					res, err := s.Append(ctx, appendParams("race", expected, 2))
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						winners = append(winners, res)
					case isConflict(err):
						conflicts++
					default:
						others = append(others, err)
					}
				}()
			}
			close(start)
			wg.Wait()
			require.Empty(t, others)
			require.Len(t, winners, 1)
			require.Equal(t, n-1, conflicts)

			got, err := s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: "race", FromVersion: expected + 1})
			require.NoError(t, err)
			require.Equal(t, winners[0].Events, got)
		})
	}

	// Appenders on their own streams never conflict and lose nothing.
	t.Run("ManyStreams", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := h.New(t)
		const writers, appends = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, writers*appends)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stream := fmt.Sprintf("w-%d", w)
				for v := int64(0); v < appends; v++ {
					if _, err := s.Append(ctx, appendParams(stream, v, 1)); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		all := readFeedUntil(t, s, eventstore.Start, 50, writers*appends)
		require.Len(t, all, writers*appends)
		requireFeedOrder(t, all)
	})
}

func isConflict(err error) bool {
	return errors.Is(err, eventstore.ErrConcurrency)
}
