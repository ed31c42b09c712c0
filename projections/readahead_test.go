package projections_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/projections"
)

// feedCounting tells each read of the feed.
type feedCounting struct {
	eventstore.Driver
	reads atomic.Int64
	read  chan struct{}
}

func (s *feedCounting) ReadFeed(ctx context.Context, p *eventstore.ReadFeedParams) ([]eventstore.RecordedEvent, error) {
	page, err := s.Driver.ReadFeed(ctx, p)
	s.reads.Add(1)
	select {
	case s.read <- struct{}{}:
	default:
	}
	return page, err
}

// projectFunc is a Projector of a function.
type projectFunc func(context.Context, []eventstore.RecordedEvent) error

func (f projectFunc) Project(ctx context.Context, page []eventstore.RecordedEvent) error {
	return f(ctx, page)
}

// A runner that is behind reads the next page while it projects the one
// it read: the first page's projection sees the second read done.
func TestRunnerReadsAheadWhenBehind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := &feedCounting{Driver: newSQLiteStore(t), read: make(chan struct{}, 100)}
	for i := 1; i <= 5; i++ {
		_, err := store.Append(ctx, &eventstore.AppendParams{
			StreamID: fmt.Sprintf("other-%d", i), ExpectedVersion: eventstore.NoStream,
			Events: []eventstore.EventData{{Type: "Noted", SchemaVersion: 1, Data: []byte(`{}`), Metadata: []byte(`{}`)}},
		})
		require.NoError(t, err)
	}
	var projected []int64
	readsSeen := make(chan int64, 10)
	done := make(chan struct{})
	r, err := projections.NewRunner(projections.RunnerConfig{
		Name: "ahead", Store: store, PageSize: 2,
		Projector: projectFunc(func(_ context.Context, page []eventstore.RecordedEvent) error {
			if len(projected) == 0 {
				// The next page's read runs meanwhile: wait for it.
				deadline := time.After(5 * time.Second)
			wait:
				for store.reads.Load() < 2 {
					select {
					case <-store.read:
					case <-deadline:
						break wait
					}
				}
				readsSeen <- store.reads.Load()
			}
			for _, e := range page {
				projected = append(projected, e.Position)
			}
			if len(projected) == 5 {
				close(done)
			}
			return nil
		}),
	})
	require.NoError(t, err)
	rctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { defer close(stopped); _ = r.Run(rctx) }()
	t.Cleanup(func() { cancel(); <-stopped })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("not every event projected")
	}
	require.GreaterOrEqual(t, <-readsSeen, int64(2), "page 2 was read while page 1 was projected")
	require.Equal(t, []int64{1, 2, 3, 4, 5}, projected, "in order, each once")
}
