package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

// slowCommits makes every commit of an event of a stream named "slow…"
// take d: a deferred trigger runs at COMMIT, as a wait for a synchronous
// standby does.
func slowCommits(t *testing.T, s *Store, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	_, err := s.pool.Exec(ctx, `CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.stream_id LIKE 'slow%' THEN PERFORM pg_sleep(`+fmt.Sprint(d.Seconds())+`); END IF;
			RETURN NULL;
		END $$`)
	require.NoError(t, err)
	_, err = s.pool.Exec(ctx, `CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON events
		DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()`)
	require.NoError(t, err)
}

// A caller whose deadline passes while its append commits is answered that
// the outcome is unknown (a 503), and the commit is not cancelled: it ends,
// and the events are in the log. Cancelled, it would be rolled back here;
// waiting for a synchronous standby, it would stay on the primary alone.
func TestCommitOutlivesItsCaller(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
	}{{"alone", Config{}}, {"committer", Config{Committers: 1}}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t, tc.cfg)
			slowCommits(t, s, 400*time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := s.Append(ctx, newAppend("slow-1", 0, nil).p)
			require.ErrorIs(t, err, eventstore.ErrUnavailable)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.Less(t, time.Since(start), 350*time.Millisecond, "answered at its deadline, not at the commit")
			require.Zero(t, streamLength(t, s, "slow-1"), "not committed yet")
			require.Eventually(t, func() bool { return streamLength(t, s, "slow-1") == 1 }, 5*time.Second, 20*time.Millisecond)
		})
	}
}

// A batch sent is not cancelled by its appends' deadlines either.
func TestBatchOutlivesItsCallers(t *testing.T) {
	t.Parallel()
	s := newStore(t, Config{Committers: 1})
	slowCommits(t, s, 200*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	batch := []*pendingAppend{newAppend("slow-a", 0, nil), newAppend("slow-b", 0, nil)}
	for _, r := range batch {
		r.ctx = ctx
	}
	s.commits.commit(batch) // returns once committed: 400ms, past the deadline
	require.Error(t, ctx.Err())
	for _, r := range batch {
		out := <-r.done
		require.NoError(t, out.err)
	}
	require.Equal(t, 1, streamLength(t, s, "slow-a"))
	require.Equal(t, 1, streamLength(t, s, "slow-b"))
}
