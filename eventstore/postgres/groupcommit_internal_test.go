package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
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
	out, err := s.appendBatch(ctx, []*pendingAppend{newAppend("b1", 0, nil), newAppend("b2", 0, nil), newAppend("b3", 0, nil)})
	require.NoError(t, err)
	for _, o := range out {
		require.NoError(t, o.err)
		require.Equal(t, out[0].res.Events[0].Commit, o.res.Events[0].Commit, "one transaction")
	}
	v, err := s.View(ctx, &eventstore.ViewParams{StreamID: "b2"})
	require.NoError(t, err)
	require.Equal(t, int64(1), v.Version, "each append's view written")

	// b1 exists: creating it again fails its statement, and the batch.
	_, err = s.appendBatch(ctx, []*pendingAppend{newAppend("b4", 0, nil), newAppend("b1", 0, nil), newAppend("b5", 0, nil)})
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	require.Zero(t, streamLength(t, s, "b4"), "rolled back with the failed statement")
	require.Zero(t, streamLength(t, s, "b5"), "never ran")
}

// A committer answers each append of a failed batch alone: the others are
// made, the one that failed gets its own error.
func TestCommitterRunsAFailedBatchAlone(t *testing.T) {
	t.Parallel()
	s := newStore(t, Config{})
	c := &committer{s: s, max: 8}
	first := newAppend("c1", 0, nil)
	c.commit([]*pendingAppend{first})
	made := <-first.done
	require.NoError(t, made.err)

	batch := []*pendingAppend{newAppend("c2", 0, nil), newAppend("c1", 0, nil), newAppend("c3", 0, nil)}
	c.commit(batch)
	require.NoError(t, (<-batch[0].done).err)
	require.ErrorIs(t, (<-batch[1].done).err, eventstore.ErrConcurrency, "c1 exists")
	require.NoError(t, (<-batch[2].done).err)
	require.Equal(t, 1, streamLength(t, s, "c2"))
	require.Equal(t, 1, streamLength(t, s, "c3"))

	// A stale head fails alone, in the batch; the others commit with it.
	head := made.res.Events[0].Hash
	next := newAppend("c1", 1, head)
	c.commit([]*pendingAppend{next})
	require.NoError(t, (<-next.done).err)
	batch = []*pendingAppend{newAppend("c4", 0, nil), newAppend("c1", 1, head)}
	c.commit(batch)
	ok, stale := <-batch[0].done, <-batch[1].done
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
	// Twice per stream, at once: each is created once, whatever batch
	// each attempt lands in (a batch with a second creation fails and is
	// run alone).
	const n = 64
	commits := func(name string, streams int) map[uint64]int {
		results := make([]*eventstore.AppendResult, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				res, err := s.Append(ctx, newAppend(fmt.Sprint(name, i%streams), eventstore.NoStream, nil).p)
				if err == nil {
					results[i] = res
				} else {
					require.ErrorIs(t, err, eventstore.ErrConcurrency)
				}
			})
		}
		wg.Wait()
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
