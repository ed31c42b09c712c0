package projections_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/projections"
)

// heldPipeliner records the pages it is given and lets the test decide
// when, and how, each becomes durable.
type heldPipeliner struct {
	mu      sync.Mutex
	started []int64 // first position of each page started, in order
	results []chan error
	changed chan struct{}
}

func (p *heldPipeliner) Project(context.Context, []eventstore.RecordedEvent) error {
	return errors.New("the runner must start pages of a Pipeliner")
}

func (p *heldPipeliner) Start(_ context.Context, page []eventstore.RecordedEvent) (<-chan error, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	done := make(chan error, 1)
	p.started = append(p.started, page[0].Position)
	p.results = append(p.results, done)
	p.changed <- struct{}{}
	return done, nil
}

// waitStarted waits until n pages were started and returns their first
// positions.
func (p *heldPipeliner) waitStarted(t *testing.T, n int) []int64 {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		p.mu.Lock()
		if len(p.started) >= n {
			defer p.mu.Unlock()
			return append([]int64(nil), p.started...)
		}
		p.mu.Unlock()
		select {
		case <-p.changed:
		case <-deadline:
			t.Fatalf("%d pages started, want %d", len(p.started), n)
		}
	}
}

func (p *heldPipeliner) finish(i int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.results[i] <- err
}

// TestRunnerPipelinesPagesAndCheckpointsOnlyWhatIsDurable: a Pipeliner gets
// the next pages before the first is durable; the checkpoint never passes
// a page that is not, even when later ones are; a failed page is started
// again, with every page after it.
func TestRunnerPipelinesPagesAndCheckpointsOnlyWhatIsDurable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := &savingCheckpoints{Driver: newSQLiteStore(t), saved: make(chan int64, 100)}
	for i := 1; i <= 3; i++ {
		_, err := store.Append(ctx, &eventstore.AppendParams{
			StreamID: fmt.Sprintf("other-%d", i), ExpectedVersion: eventstore.NoStream,
			Events: []eventstore.EventData{{Type: "Noted", SchemaVersion: 1, Data: []byte(`{}`), Metadata: []byte(`{}`)}},
		})
		require.NoError(t, err)
	}
	p := &heldPipeliner{changed: make(chan struct{}, 100)}
	r, err := projections.NewRunner(projections.RunnerConfig{
		Name: "held", Store: store, Projector: p, PageSize: 1, InFlight: 4,
		CheckpointEvery: time.Nanosecond, RetryMin: time.Millisecond, RetryMax: time.Millisecond,
	})
	require.NoError(t, err)
	rctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { defer close(stopped); _ = r.Run(rctx) }()
	t.Cleanup(func() { cancel(); <-stopped })

	require.Equal(t, []int64{1, 2, 3}, p.waitStarted(t, 3), "pages 2 and 3 start while page 1 is in flight")
	checkpoint := func() int64 {
		c, err := store.Checkpoint(ctx, &eventstore.CheckpointParams{Name: "held"})
		require.NoError(t, err)
		return c.Position
	}
	p.finish(2, nil) // page 3 durable before pages 1 and 2
	p.finish(0, nil)
	require.Equal(t, int64(1), store.next(t), "page 1 durable: the checkpoint moves after it")

	// The runner saw page 2 fail only after it had seen pages 1 and 3
	// durable: had it saved a checkpoint past page 2 meanwhile, the save
	// would be in the channel before the pages were started again.
	p.finish(1, errors.New("no ack"))
	require.Equal(t, []int64{1, 2, 3, 2, 3}, p.waitStarted(t, 5), "the failed page is started again, with the one after it")
	require.Empty(t, store.saved, "page 3 was durable but page 2 was not: no checkpoint past page 1")
	require.Equal(t, int64(1), checkpoint())
	p.finish(3, nil)
	p.finish(4, nil)
	for last := int64(0); last != 3; {
		last = store.next(t)
	}
	require.Equal(t, int64(3), checkpoint())
}

// savingCheckpoints tells each checkpoint a runner saves.
type savingCheckpoints struct {
	eventstore.Driver
	saved chan int64
}

func (s *savingCheckpoints) SaveCheckpoint(ctx context.Context, p *eventstore.SaveCheckpointParams) error {
	err := s.Driver.SaveCheckpoint(ctx, p)
	if err == nil {
		s.saved <- p.Cursor.Position
	}
	return err
}

// next waits for the next checkpoint saved.
func (s *savingCheckpoints) next(t *testing.T) int64 {
	t.Helper()
	select {
	case pos := <-s.saved:
		return pos
	case <-time.After(10 * time.Second):
		t.Fatal("no checkpoint saved")
		return 0
	}
}

// countingFeed counts the feed reads of a runner.
type countingFeed struct {
	eventstore.Driver
	reads atomic.Int64
}

func (s *countingFeed) ReadFeed(ctx context.Context, p *eventstore.ReadFeedParams) ([]eventstore.RecordedEvent, error) {
	s.reads.Add(1)
	return s.Driver.ReadFeed(ctx, p)
}

// recordingProjector keeps the positions it projected.
type recordingProjector struct {
	mu        sync.Mutex
	positions []int64
}

func (p *recordingProjector) Project(_ context.Context, page []eventstore.RecordedEvent) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range page {
		p.positions = append(p.positions, page[i].Position)
	}
	return nil
}

func (p *recordingProjector) projected() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.positions)
}

// TestRunnerLingersUnderASteadyStream: while appends keep coming, the
// runner reads the feed once per Linger, taking in many commits a read,
// instead of once per commit; it still projects every event, in order.
func TestRunnerLingersUnderASteadyStream(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := &countingFeed{Driver: newSQLiteStore(t)}
	p := &recordingProjector{}
	r, err := projections.NewRunner(projections.RunnerConfig{
		Name: "linger", Store: store, Projector: p, Linger: 100 * time.Millisecond,
	})
	require.NoError(t, err)
	rctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { defer close(stopped); _ = r.Run(rctx) }()
	t.Cleanup(func() { cancel(); <-stopped })

	const appends = 100
	start := time.Now()
	for i := 1; i <= appends; i++ {
		_, err := store.Append(ctx, &eventstore.AppendParams{
			StreamID: fmt.Sprintf("other-%d", i), ExpectedVersion: eventstore.NoStream,
			Events: []eventstore.EventData{{Type: "Noted", SchemaVersion: 1, Data: []byte(`{}`), Metadata: []byte(`{}`)}},
		})
		require.NoError(t, err)
		time.Sleep(5 * time.Millisecond)
	}
	require.Eventually(t, func() bool { return p.projected() == appends }, 10*time.Second, 5*time.Millisecond)
	elapsed := time.Since(start)
	// One read per Linger while appends come, plus one per wake-up after
	// the feed ran dry: far fewer than one per append.
	maxReads := 2*int64(elapsed/(100*time.Millisecond)) + 4
	require.LessOrEqual(t, store.reads.Load(), maxReads, "feed reads over %s", elapsed)
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, pos := range p.positions {
		require.Equal(t, int64(i+1), pos)
	}
}
