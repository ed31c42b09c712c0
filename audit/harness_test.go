package audit_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/postgres"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/eventstore/sqlite"
)

// env is a store with a settable clock and a way to edit it behind its
// back, as an intruder with database access would.
type env struct {
	store  eventstore.Store
	cmds   *commands.Handler
	now    atomic.Int64
	tamper func(t *testing.T, sql string, args ...any)
}

func (e *env) clock() time.Time { return time.Unix(0, e.now.Load()).UTC() }

func forEachStore(t *testing.T, f func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		e := &env{}
		e.now.Store(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC).UnixNano())
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "f.db"), sqlite.Config{Now: e.clock})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		_, err = s.Migrate(context.Background())
		require.NoError(t, err)
		e.store, e.cmds = s, commands.NewHandler(s)
		e.tamper = func(t *testing.T, sql string, args ...any) {
			for _, trigger := range []string{"events_no_update", "events_no_delete"} {
				_, err := s.DB().Exec("DROP TRIGGER IF EXISTS " + trigger)
				require.NoError(t, err)
			}
			_, err := s.DB().Exec(sql, args...)
			require.NoError(t, err)
		}
		f(t, e)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		e := &env{}
		e.now.Store(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC).UnixNano())
		pool := postgrestest.NewPool(t)
		s, err := postgres.New(pool, postgres.Config{Now: e.clock})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		_, err = s.Migrate(context.Background())
		require.NoError(t, err)
		e.store, e.cmds = s, commands.NewHandler(s)
		e.tamper = func(t *testing.T, sql string, args ...any) {
			err := pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
				if _, err := tx.Exec(context.Background(), "SET LOCAL session_replication_role = replica"); err != nil {
					return err
				}
				_, err := tx.Exec(context.Background(), sql, args...)
				return err
			})
			require.NoError(t, err)
		}
		f(t, e)
	})
}

// session takes a session through intake and Complete (queued when q is
// set): three events.
func (e *env) session(t *testing.T, id, q string) commands.Result {
	t.Helper()
	ctx := context.Background()
	_, err := e.cmds.Start(ctx, commands.Request{Actor: "router"}, fb.Start{SessionID: id, AgentID: "a1", UserData: []byte(`{"k":"v"}`)})
	require.NoError(t, err)
	e.now.Add(int64(time.Minute))
	var queue *string
	if q != "" {
		queue = &q
	}
	res, err := e.cmds.Complete(ctx, commands.Request{Actor: "a1"}, id, fb.Complete{QueueName: queue})
	require.NoError(t, err)
	e.now.Add(int64(time.Minute))
	return res
}

// sessions makes n sessions from 16 goroutines.
func (e *env) sessions(t *testing.T, n int) {
	t.Helper()
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				id := fmt.Sprintf("bulk-%06d", i)
				_, err := e.cmds.Start(ctx, commands.Request{Actor: "router"}, fb.Start{SessionID: id, AgentID: fmt.Sprintf("a%d", i%50), UserData: []byte(`{"k":"v"}`)})
				if err == nil && i%4 != 0 { // a quarter stay open
					_, err = e.cmds.Complete(ctx, commands.Request{Actor: fmt.Sprintf("a%d", i%50)}, id, fb.Complete{})
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func (e *env) events(t *testing.T, id string) []eventstore.RecordedEvent {
	t.Helper()
	events, err := e.store.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: fb.StreamID(id)})
	require.NoError(t, err)
	return events
}

func allViews(t *testing.T, s eventstore.Store) []eventstore.StreamView {
	t.Helper()
	var all []eventstore.StreamView
	after := ""
	for {
		page, err := s.ScanViews(context.Background(), after, 1000)
		require.NoError(t, err)
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		after = page[len(page)-1].StreamID
	}
}
