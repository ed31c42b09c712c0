package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

// The feed is only right if every append holds the feed lock before its
// transaction has an id: an append with an id but no lock yet would be
// invisible to the watermark. With the lock held exclusively elsewhere,
// each shape of append is seen waiting for it with no transaction id.
func TestAppendLocksBeforeItHasAnID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, Config{})
	res, err := s.Append(ctx, &eventstore.AppendParams{StreamID: "g", Events: oneEvent()})
	require.NoError(t, err)
	head, version := res.Events[0].Hash, res.Version()
	view := &eventstore.View{ListKey: "k", Document: []byte(`{}`)}

	for _, c := range []struct {
		name string
		p    func() *eventstore.AppendParams
	}{
		{"new stream", func() *eventstore.AppendParams {
			return &eventstore.AppendParams{StreamID: "n", Events: oneEvent()}
		}},
		{"head read first", func() *eventstore.AppendParams {
			return &eventstore.AppendParams{StreamID: "g", ExpectedVersion: version, Events: oneEvent()}
		}},
		{"guarded", func() *eventstore.AppendParams {
			return &eventstore.AppendParams{StreamID: "g", ExpectedVersion: version, Head: head, Events: oneEvent()}
		}},
		{"new stream with view", func() *eventstore.AppendParams {
			return &eventstore.AppendParams{StreamID: "nv", Events: oneEvent(), View: view}
		}},
		{"guarded with view", func() *eventstore.AppendParams {
			return &eventstore.AppendParams{StreamID: "g", ExpectedVersion: version, Head: head, Events: oneEvent(), View: view}
		}},
	} {
		blocker, err := s.pool.Acquire(ctx)
		require.NoError(t, err)
		_, err = blocker.Exec(ctx, `SELECT pg_advisory_lock(`+feedLockClass+`, 'events'::regclass::oid::int4)`)
		require.NoError(t, err)

		done := make(chan *eventstore.AppendResult, 1)
		go func() {
			res, err := s.Append(ctx, c.p())
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			done <- res
		}()
		var waiters, withID int
		require.Eventually(t, func() bool {
			err := s.pool.QueryRow(ctx, `SELECT count(*), count(a.backend_xid)
				FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
				WHERE l.locktype = 'advisory' AND NOT l.granted AND l.objsubid = 2
				  AND l.classid = `+feedLockClass+`::oid AND l.objid = 'events'::regclass::oid`).Scan(&waiters, &withID)
			return err == nil && waiters > 0
		}, 5*time.Second, 5*time.Millisecond, "%s: the append never waited for the feed lock", c.name)
		require.Zero(t, withID, "%s: the append had a transaction id before the feed lock", c.name)

		_, err = blocker.Exec(ctx, `SELECT pg_advisory_unlock_all()`)
		require.NoError(t, err)
		blocker.Release()
		res := <-done
		require.NotNil(t, res, c.name)
		if c.p().StreamID == "g" {
			head, version = res.Events[0].Hash, res.Version()
		}
	}
}

// The watermark is the id of the oldest append in flight, as a full xid8,
// and moves past it once it commits.
func TestWatermarkIsTheOldestAppendInFlight(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, Config{})
	watermark := func() uint64 {
		var w uint64
		require.NoError(t, s.pool.QueryRow(ctx, watermarkSQL).Scan(&w))
		return w
	}

	tx, err := s.pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	held, err := s.append(ctx, tx, &eventstore.AppendParams{StreamID: "held", Events: oneEvent()})
	require.NoError(t, err)
	id := held.Events[0].Commit
	_, err = s.Append(ctx, &eventstore.AppendParams{StreamID: "later", Events: oneEvent()})
	require.NoError(t, err)
	require.Equal(t, id, watermark(), "held back by the append in flight, no further")

	require.NoError(t, tx.Commit(ctx))
	require.Greater(t, watermark(), id)
}

// A transaction that holds the feed lock but has no id yet does not hold
// the watermark back: the id it gets will be above it.
func TestWatermarkIgnoresLockHoldersWithoutID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, Config{})
	var before uint64
	require.NoError(t, s.pool.QueryRow(ctx, watermarkSQL).Scan(&before))
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(`+feedLockClass+`, 'events'::regclass::oid::int4)`); err != nil {
			return err
		}
		var w uint64
		if err := s.pool.QueryRow(ctx, watermarkSQL).Scan(&w); err != nil {
			return err
		}
		require.GreaterOrEqual(t, w, before)
		var id uint64
		if err := tx.QueryRow(ctx, `SELECT pg_current_xact_id()`).Scan(&id); err != nil {
			return err
		}
		require.GreaterOrEqual(t, id, w, "the id comes after the watermark read")
		// A later transaction ends, so that the xmax is past the id.
		if _, err := s.pool.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
			return err
		}
		require.NoError(t, s.pool.QueryRow(ctx, watermarkSQL).Scan(&w))
		require.Equal(t, id, w, "once it has an id, it holds the watermark")
		return nil
	})
	require.NoError(t, err)
}

func oneEvent() []eventstore.EventData {
	return []eventstore.EventData{{Type: "T", Data: []byte(`{}`)}}
}
