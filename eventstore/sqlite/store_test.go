package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/eventstoretest"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "events.db"), Config{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	_, err = s.Migrate(context.Background())
	require.NoError(t, err)
	return s
}

func TestConformance(t *testing.T) {
	eventstoretest.Run(t, eventstoretest.Harness{
		New: func(t *testing.T) eventstore.Driver { return newStore(t) },
		EditData: func(t *testing.T, es eventstore.Store, stream string, version int64, data []byte) {
			db, err := sql.Open("sqlite", dsn(es.(*Store).path, ""))
			require.NoError(t, err)
			defer db.Close()
			// SQLite triggers cannot be disabled; an intruder drops them.
			_, err = db.Exec("DROP TRIGGER events_no_update")
			require.NoError(t, err)
			res, err := db.Exec("UPDATE events SET data = ? WHERE stream_id = ? AND stream_version = ?", string(data), stream, version)
			require.NoError(t, err)
			n, err := res.RowsAffected()
			require.NoError(t, err)
			require.Equal(t, int64(1), n)
		},
	})
}

func TestAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	_, err := s.Append(ctx, &eventstore.AppendParams{StreamID: "s", Events: []eventstore.EventData{{Type: "T", Data: []byte(`{}`)}}})
	require.NoError(t, err)
	for _, q := range []string{"UPDATE events SET data = '{}'", "DELETE FROM events"} {
		_, err := s.write.ExecContext(ctx, q)
		require.ErrorContains(t, err, "append-only", q)
	}
}

// A second process on the same file (fbsessionctl beside fbsessiond) sees
// the first one's appends and is woken by them.
func TestTwoProcessesOneFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newStore(t)
	b, err := Open(ctx, a.path, Config{})
	require.NoError(t, err)
	defer b.Close()

	ch := b.Appended()
	_, err = a.Append(ctx, &eventstore.AppendParams{StreamID: "s", Events: []eventstore.EventData{{Type: "T", Data: []byte(`{}`)}}})
	require.NoError(t, err)
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("the other store's append did not wake this one")
	}
	_, err = b.Append(ctx, &eventstore.AppendParams{StreamID: "s", Events: []eventstore.EventData{{Type: "T", Data: []byte(`{}`)}}})
	require.ErrorIs(t, err, eventstore.ErrConcurrency)
	_, err = b.Append(ctx, &eventstore.AppendParams{StreamID: "s", ExpectedVersion: 1, Events: []eventstore.EventData{{Type: "T", Data: []byte(`{}`)}}})
	require.NoError(t, err)
	events, err := a.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: "s"})
	require.NoError(t, err)
	require.Len(t, events, 2)
	require.NoError(t, eventstore.VerifyStream(events))
}
