package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

func newAppend(stream string, expected int64, head []byte) *pendingAppend {
	return &pendingAppend{ctx: context.Background(), done: make(chan appendOutcome, 1), p: &eventstore.AppendParams{
		StreamID: stream, ExpectedVersion: expected, Head: head,
		Events: []eventstore.EventData{{Type: "Noted", SchemaVersion: 1, Data: []byte(`{"n":1}`), Metadata: []byte(`{}`)}},
		View:   &eventstore.View{ListKey: "k", Document: []byte(`{"v":1}`)},
	}}
}

func streamLength(t *testing.T, s *Store, stream string) int {
	t.Helper()
	events, err := s.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: stream})
	if errors.Is(err, eventstore.ErrNotFound) {
		return 0
	}
	require.NoError(t, err)
	return len(events)
}

// A batch is one transaction: its appends commit together, or, when one
// statement fails, none does.
func TestBatchIsOneTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, Config{})
	out, failed, err := s.appendBatch(ctx, []*pendingAppend{newAppend("b1", 0, nil), newAppend("b2", 0, nil), newAppend("b3", 0, nil)})
	require.NoError(t, err)
	require.Equal(t, -1, failed)
	for _, o := range out {
		require.NoError(t, o.err)
		require.Equal(t, out[0].res.Events[0].Commit, o.res.Events[0].Commit, "one transaction")
	}
	v, err := s.View(ctx, &eventstore.ViewParams{StreamID: "b2"})
	require.NoError(t, err)
	require.Equal(t, int64(1), v.Version, "each append's view written")

	// b1 exists: creating it again fails its statement, and the batch.
	_, failed, err = s.appendBatch(ctx, []*pendingAppend{newAppend("b4", 0, nil), newAppend("b1", 0, nil), newAppend("b5", 0, nil)})
	require.NoError(t, err)
	require.Equal(t, 1, failed, "the statement that failed")
	require.Zero(t, streamLength(t, s, "b4"), "rolled back with the failed statement")
	require.Zero(t, streamLength(t, s, "b5"), "never ran")
}

// A committer answers the append that failed a batch alone, with its own
// error, and makes the others in a batch again.
func TestCommitterRunsAFailedBatchAlone(t *testing.T) {
	t.Parallel()
	s := newStore(t, Config{})
	c := &committer{s: s, max: 8}
	first := newAppend("c1", 0, nil)
	c.commit([]*pendingAppend{first})
	made := <-first.done
	require.NoError(t, made.err)

	c2, again, c3 := newAppend("c2", 0, nil), newAppend("c1", 0, nil), newAppend("c3", 0, nil)
	c.commit([]*pendingAppend{c2, again, c3})
	c2out, c3out := <-c2.done, <-c3.done
	require.NoError(t, c2out.err)
	require.ErrorIs(t, (<-again.done).err, eventstore.ErrConcurrency, "c1 exists")
	require.NoError(t, c3out.err)
	require.Equal(t, c2out.res.Events[0].Commit, c3out.res.Events[0].Commit, "the others batched again, together")
	require.Equal(t, 1, streamLength(t, s, "c2"))
	require.Equal(t, 1, streamLength(t, s, "c3"))

	// A stale head fails alone, in the batch; the others commit with it.
	head := made.res.Events[0].Hash
	next := newAppend("c1", 1, head)
	c.commit([]*pendingAppend{next})
	require.NoError(t, (<-next.done).err)
	c4, staleHead := newAppend("c4", 0, nil), newAppend("c1", 1, head)
	c.commit([]*pendingAppend{c4, staleHead})
	ok, stale := <-c4.done, <-staleHead.done
	require.NoError(t, ok.err)
	var ce *eventstore.ConcurrencyError
	require.ErrorAs(t, stale.err, &ce)
	require.Equal(t, int64(2), ce.Actual, "the stream's head, read again")
	require.Equal(t, 2, streamLength(t, s, "c1"))
}

// Concurrent appends to different streams share commits.
func TestConcurrentAppendsAreGrouped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, Config{Committers: 1})
	s.commits.queueAll = true
	// Twice per stream, at once: each is created once, whatever batch
	// each attempt lands in (a batch with a second creation fails and is
	// run alone).
	const n = 64
	commits := func(name string, streams int) map[uint64]int {
		results := make([]*eventstore.AppendResult, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				results[i], errs[i] = s.Append(ctx, newAppend(fmt.Sprint(name, i%streams), eventstore.NoStream, nil).p)
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				require.ErrorIs(t, err, eventstore.ErrConcurrency, "the second creation of a stream")
			}
		}
		out := map[uint64]int{}
		made := 0
		for _, r := range results {
			if r != nil {
				made++
				out[r.Events[0].Commit]++
			}
		}
		require.Equal(t, streams, made, "each stream created once")
		for i := range streams {
			require.Equal(t, 1, streamLength(t, s, fmt.Sprint(name, i)))
		}
		return out
	}
	commits("twice", n/2)
	require.Less(t, len(commits("once", n)), n, "some appends shared a commit")
}
