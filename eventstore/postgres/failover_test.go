package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/pgcluster"
)

// failoverStore is a store on the cluster's multi-host URL, as fbsessiond
// runs on one (docs/HA.md).
func failoverStore(t *testing.T, c *pgcluster.Cluster, cfg Config) *Store {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), c.MultiHostURL("fb"))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	s, err := New(pool, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// With a synchronous standby, every append acknowledged before the
// primary crashed is on the promoted standby, under load with request
// deadlines; and the first reservation there skips past the primary's.
func TestFailoverSyncLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two PostgreSQL servers")
	}
	t.Parallel()
	ctx := context.Background()
	c := pgcluster.Start(t, pgcluster.Options{Sync: true})
	c.CreateDB("fb")
	s := failoverStore(t, c, Config{Committers: 2, FailoverGap: 1_000_000})
	_, err := s.Migrate(ctx)
	require.NoError(t, err)
	before, err := s.ReserveSequence(ctx, &eventstore.ReserveSequenceParams{Name: "referenceId", N: 1000})
	require.NoError(t, err)

	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("s-%d-%d", w, i)
				rctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
				_, err := s.Append(rctx, &eventstore.AppendParams{StreamID: id,
					Events: []eventstore.EventData{{Type: "Noted", SchemaVersion: 1, Data: []byte(`{}`), Metadata: []byte(`{}`)}}})
				cancel()
				if err == nil {
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				} else {
					time.Sleep(10 * time.Millisecond)
				}
			}
		}()
	}
	time.Sleep(time.Second)
	c.Primary.Stop("immediate")
	time.Sleep(500 * time.Millisecond)
	c.Standby.Promote()
	// Alone now, the new primary would wait for a standby it does not
	// have (its configuration came with the base backup): what an
	// orchestrator changes at a promotion.
	c.Standby.Exec("postgres", "ALTER SYSTEM SET synchronous_standby_names = ''")
	c.Standby.Exec("postgres", "SELECT pg_reload_conf()")
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	require.NotEmpty(t, acked)

	after := failoverStore(t, c, Config{FailoverGap: 1_000_000})
	for _, id := range acked {
		_, err := after.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: id})
		require.NoError(t, err, "acknowledged %s lost", id)
	}
	first, err := after.ReserveSequence(ctx, &eventstore.ReserveSequenceParams{Name: "referenceId", N: 1000})
	require.NoError(t, err)
	require.Equal(t, before+1000+1_000_000, first, "a new timeline: skipped ahead")
	t.Logf("%d appends acknowledged, all on the promoted standby", len(acked))
}

// With asynchronous replication, a reservation the standby never got is
// handed out again by nobody: the promoted standby's first reservation
// skips past it.
func TestFailoverAsyncReservationNotGivenTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two PostgreSQL servers")
	}
	t.Parallel()
	ctx := context.Background()
	c := pgcluster.Start(t, pgcluster.Options{})
	c.CreateDB("fb")
	s := failoverStore(t, c, Config{FailoverGap: 1_000_000})
	_, err := s.Migrate(ctx)
	require.NoError(t, err)
	reserve := func(s *Store) int64 {
		first, err := s.ReserveSequence(ctx, &eventstore.ReserveSequenceParams{Name: "referenceId", N: 1000})
		require.NoError(t, err)
		return first
	}
	require.Equal(t, int64(1), reserve(s))
	waitReplayed(t, c)

	// The standby falls behind (stopped), the primary reserves 1001-2000,
	// then crashes: the reservation is lost with the async tail.
	c.Standby.Stop("fast")
	lost := reserve(s)
	require.Equal(t, int64(1001), lost)
	c.Primary.Stop("immediate")
	c.Standby.StartAgain()
	c.Standby.Promote()

	after := failoverStore(t, c, Config{FailoverGap: 1_000_000})
	first := reserve(after)
	require.Greater(t, first, lost+999, "the lost block is not given again")
	require.Equal(t, int64(1001+1_000_000), first)
}

// waitReplayed waits until the standby has replayed what the primary wrote.
func waitReplayed(t *testing.T, c *pgcluster.Cluster) {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, c.Primary.URL("fb"))
	require.NoError(t, err)
	defer pool.Close()
	require.Eventually(t, func() bool {
		var caughtUp bool
		err := pool.QueryRow(ctx, `SELECT coalesce(bool_and(replay_lsn >= pg_current_wal_lsn()), false) FROM pg_stat_replication`).Scan(&caughtUp)
		return err == nil && caughtUp
	}, 30*time.Second, 50*time.Millisecond)
}

// While the synchronous standby stalls, an append whose request deadline
// passes is answered "outcome unknown" (503), and its commit is not
// cancelled: it stays invisible on the primary (a cancelled wait would
// show it, on the primary alone), and a replay's barrier does not pass
// either. Once the standby resumes, the commits finish by
// themselves. The stall is the standby's replay paused under
// remote_apply; the reads go through a pool of their own.
func TestStalledStandbyCancelsNoCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two PostgreSQL servers")
	}
	t.Parallel()
	ctx := context.Background()
	c := pgcluster.Start(t, pgcluster.Options{Sync: true, SyncCommit: "remote_apply"})
	c.CreateDB("fb")
	// Each append alone: one answered "outcome unknown" was sent (a
	// queued one may not have been).
	s := failoverStore(t, c, Config{})
	reader := failoverStore(t, c, Config{})
	_, err := s.Migrate(ctx)
	require.NoError(t, err)
	c.Standby.Exec("postgres", "SELECT pg_wal_replay_pause()")
	resumed := false
	t.Cleanup(func() {
		if !resumed {
			c.Standby.Exec("postgres", "SELECT pg_wal_replay_resume()")
		}
	})

	var wg sync.WaitGroup
	ids := make([]string, 12)
	errs := make([]error, len(ids))
	for i := range ids {
		ids[i] = fmt.Sprintf("stalled-%d", i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			rctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancel()
			_, errs[i] = s.Append(rctx, &eventstore.AppendParams{StreamID: ids[i],
				Events: []eventstore.EventData{{Type: "Noted", SchemaVersion: 1, Data: []byte(`{}`), Metadata: []byte(`{}`)}}})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		// Sent: the outcome unknown (a 503); or never sent, the pool's
		// connections all waiting.
		require.ErrorIs(t, err, context.DeadlineExceeded)
	}
	for range 2 {
		time.Sleep(500 * time.Millisecond)
		for _, id := range ids {
			_, err := reader.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: id})
			require.ErrorIs(t, err, eventstore.ErrNotFound, "%s visible before it is on the standby", id)
		}
	}
	require.NotContains(t, c.Logs(), "canceling wait for synchronous replication")
	bctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, reader.Durable(bctx), eventstore.ErrUnavailable, "no replay answers meanwhile")

	c.Standby.Exec("postgres", "SELECT pg_wal_replay_resume()")
	resumed = true
	sent := 0
	for i, id := range ids {
		if !errors.Is(errs[i], eventstore.ErrUnavailable) {
			continue // never sent: it waited for a connection
		}
		sent++
		require.Eventually(t, func() bool {
			_, err := reader.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: id})
			return err == nil
		}, 30*time.Second, 50*time.Millisecond, "%s never committed", id)
	}
	require.Positive(t, sent)
	require.NoError(t, reader.Durable(ctx))
	require.NotContains(t, c.Logs(), "canceling wait for synchronous replication")
}
