package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
)

// A write transaction that is not an append of this store, left open for
// as long as the test runs, does not hold the store's feed back: an append
// shows in the feed within its usual latency.
func TestFeedNotHeldBackByOtherWrites(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(t *testing.T, s *Store){
		"another database": openInOtherDatabase,
		"another table":    openOnOtherTable,
		"another store":    openInOtherStore,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t, Config{})
			open(t, s)
			require.NoError(t, appendShows(context.Background(), s, 2*time.Second))
		})
	}
}

// The check catches the bug it is there for: the cluster-wide xmin reader
// this driver had before is held back by a transaction in another database.
func TestHeldBackCheckCatchesXminReader(t *testing.T) {
	t.Parallel()
	s := newStore(t, Config{})
	s.feedSQL = xminFeedSQL
	openInOtherDatabase(t, s)
	err := appendShows(context.Background(), s, 2*time.Second)
	require.ErrorContains(t, err, "not in the feed")
	t.Logf("the xmin reader: %v", err)
}

// xminFeedSQL is the cluster-wide xmin feed: only transactions older than
// the oldest one running anywhere on the cluster. $3, the watermark, is
// ignored.
const xminFeedSQL = `SELECT ` + eventColumns + ` FROM events
	WHERE (transaction_id, position) > ($1::xid8, $2::bigint) AND $3::xid8 IS NOT NULL
	  AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
	ORDER BY transaction_id, position LIMIT $4`

// appendShows appends one event and polls the feed until it shows, for up
// to patience.
func appendShows(ctx context.Context, s *Store, patience time.Duration) error {
	res, err := s.Append(ctx, &eventstore.AppendParams{StreamID: "fresh", Events: oneEvent()})
	if err != nil {
		return err
	}
	start := time.Now()
	for time.Since(start) < patience {
		page, err := s.ReadFeed(ctx, &eventstore.ReadFeedParams{})
		if err != nil {
			return err
		}
		for _, e := range page {
			if e.ID == res.Events[0].ID {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("event not in the feed after %v", patience)
}

// openInOtherDatabase keeps a transaction with an id open in another
// database of the cluster until t ends.
func openInOtherDatabase(t *testing.T, _ *Store) { postgrestest.HoldWriteInOtherDatabase(t) }

// openOnOtherTable keeps an INSERT into another table of the store's
// schema uncommitted until t ends.
func openOnOtherTable(t *testing.T, s *Store) {
	ctx := context.Background()
	_, err := s.pool.Exec(ctx, "CREATE TABLE other_writes (x int)")
	require.NoError(t, err)
	conn, err := s.pool.Acquire(ctx)
	require.NoError(t, err)
	t.Cleanup(conn.Release)
	holdOpen(t, conn.Conn(), "INSERT INTO other_writes VALUES (1)")
}

// openInOtherStore keeps an append to another store of the same database
// (another schema) uncommitted until t ends.
func openInOtherStore(t *testing.T, _ *Store) {
	ctx := context.Background()
	other := newStore(t, Config{})
	commit, err := holdAppend(ctx, other, &eventstore.AppendParams{StreamID: "held", Events: oneEvent()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = commit() })
}

// holdOpen begins a transaction on conn, runs sql in it, and rolls it back
// when t ends.
func holdOpen(t *testing.T, conn *pgx.Conn, sql string) {
	ctx := context.Background()
	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	_, err = tx.Exec(ctx, sql)
	require.NoError(t, err)
}
