package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/eventstoretest"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
)

func newStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	s, err := New(postgrestest.NewPool(t), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Migrate(context.Background())
	require.NoError(t, err)
	return s
}

func TestConformance(t *testing.T) {
	conformance(t, Config{})
}

// With group commit, every append through a committer's queue: alone or
// in a batch with what is queued with it.
func TestConformanceGroupCommit(t *testing.T) {
	conformance(t, Config{Committers: 2}, func(s *Store) { s.commits.queueAll = true })
}

func conformance(t *testing.T, cfg Config, adjust ...func(*Store)) {
	eventstoretest.Run(t, eventstoretest.Harness{
		New: func(t *testing.T) eventstore.Driver {
			s := newStore(t, cfg)
			for _, a := range adjust {
				a(s)
			}
			return s
		},
		HoldAppend: holdAppend,
		EditData: func(t *testing.T, es eventstore.Store, stream string, version int64, data []byte) {
			ctx := context.Background()
			tx, err := es.(*Store).pool.Begin(ctx)
			require.NoError(t, err)
			defer tx.Rollback(ctx)
			// What an intruder with superuser rights does: step past the
			// append-only trigger.
			_, err = tx.Exec(ctx, "SET LOCAL session_replication_role = replica")
			require.NoError(t, err)
			tag, err := tx.Exec(ctx, "UPDATE events SET data = $1 WHERE stream_id = $2 AND stream_version = $3", data, stream, version)
			require.NoError(t, err)
			require.Equal(t, int64(1), tag.RowsAffected())
			require.NoError(t, tx.Commit(ctx))
		},
	})
}

// holdAppend runs an append inside a transaction left open until commit.
func holdAppend(ctx context.Context, es eventstore.Store, p *eventstore.AppendParams) (func() error, error) {
	s := es.(*Store)
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.append(ctx, tx, p); err != nil {
		tx.Rollback(ctx)
		return nil, err
	}
	return func() error { return tx.Commit(ctx) }, nil
}

// naiveFeedSQL is the classic reader: "position > checkpoint". It ignores
// the cursor's transaction id ($1) and the watermark ($3).
const naiveFeedSQL = `SELECT ` + eventColumns + ` FROM events
	WHERE $1::xid8 IS NOT NULL AND $3::xid8 IS NOT NULL AND position > $2
	ORDER BY position LIMIT $4`

// The late-commit check must catch the bug it is there for: against a
// naive reader it reports the held event as missed.
func TestLateCommitCheckCatchesNaiveReader(t *testing.T) {
	t.Parallel()
	s := newStore(t, Config{})
	s.feedSQL = naiveFeedSQL
	err := eventstoretest.CheckLateCommit(context.Background(), s, holdAppend, time.Second)
	require.ErrorContains(t, err, "late missed")
	t.Logf("the naive reader: %v", err)
}

func TestAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, Config{})
	_, err := s.Append(ctx, &eventstore.AppendParams{StreamID: "s", Events: []eventstore.EventData{{Type: "T", Data: []byte(`{}`)}}})
	require.NoError(t, err)
	for _, sql := range []string{"UPDATE events SET data = '{}'", "DELETE FROM events", "TRUNCATE events"} {
		_, err := s.pool.Exec(ctx, sql)
		require.ErrorContains(t, err, "append-only", sql)
	}
}

// listening is a store that polls once an hour, so only NOTIFYs on channel
// wake its readers, and whose listener is connected; next to it, on the
// same schema, a second store.
func listening(t *testing.T, channel string) (s, other *Store) {
	t.Helper()
	other = newStore(t, Config{Channel: channel})
	s, err := New(other.pool, Config{PollInterval: time.Hour, Channel: channel})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	s.Appended()
	time.Sleep(200 * time.Millisecond) // let the listener connect
	return s, other
}

func appendOne(t *testing.T, s *Store, stream string) {
	t.Helper()
	_, err := s.Append(context.Background(), &eventstore.AppendParams{StreamID: stream, Events: []eventstore.EventData{{Type: "T", Data: []byte(`{}`)}}})
	require.NoError(t, err)
}

// Another process's appends wake this one's readers through NOTIFY, long
// before the poll would.
func TestWakeupAcrossStores(t *testing.T) {
	t.Parallel()
	reader, writer := listening(t, "fbsession_wakeup_test")
	ch := reader.Appended()
	appendOne(t, writer, "w")
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("no NOTIFY reached the other store")
	}
}

// A store's own NOTIFY does not wake its readers a second time: its appends
// woke them directly, and a second wake-up is a wasted feed read.
func TestOwnNotifyIsIgnored(t *testing.T) {
	t.Parallel()
	s, _ := listening(t, "fbsession_own_notify_test")
	first := s.Appended()
	appendOne(t, s, "own")
	select {
	case <-first:
	default:
		t.Fatal("the append did not wake local readers")
	}
	second := s.Appended()
	select {
	case <-second:
		t.Fatal("the store's own NOTIFY woke its readers again")
	case <-time.After(500 * time.Millisecond):
	}
}

// Appends in quick succession share NOTIFYs: a NOTIFY is a transaction,
// and one per append would be as many transactions again.
func TestNotifiesAreShared(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t, Config{Channel: "fbsession_shared_notify_test", NotifyInterval: 50 * time.Millisecond})
	conn, err := s.pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, "LISTEN fbsession_shared_notify_test")
	require.NoError(t, err)
	const appends = 20
	began := time.Now()
	for i := range appends {
		appendOne(t, s, fmt.Sprint("n", i))
	}
	// One at once, then at most one per interval while appends go on.
	most := int(time.Since(began)/(50*time.Millisecond)) + 2
	received := 0
	for {
		wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		_, err := conn.Conn().WaitForNotification(wctx)
		cancel()
		if err != nil {
			break
		}
		received++
	}
	require.GreaterOrEqual(t, received, 1, "other processes are told")
	require.LessOrEqual(t, received, min(most, appends-1), "not once per append")
}
