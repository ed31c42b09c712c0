package audit_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionlog"
)

// env is a store with a settable clock and a way to edit it behind its
// back, as an intruder with database access would.
type env struct {
	store  eventstore.Driver
	cmds   *commands.Handler
	clock  *storetest.Clock
	tamper func(t testing.TB, sql string, args ...any)
	// dialect is the store's driver: "sqlite" or "postgres".
	dialect string
}

func forEachStore(t *testing.T, f func(t *testing.T, e *env)) {
	opts := storetest.Options{ClockAt: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	storetest.ForEach(t, opts, func(t *testing.T, b *storetest.Backend) {
		f(t, &env{store: b.Store, cmds: commands.NewHandler(b.Store), clock: b.Clock, tamper: b.Tamper, dialect: b.Name})
	})
}

// session takes a session through intake and Complete (queued when q is
// set): three events.
func (e *env) session(t *testing.T, id, q string) commands.Result {
	t.Helper()
	ctx := context.Background()
	_, err := e.cmds.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: id, AgentID: "a1", UserData: []byte(`{"k":"v"}`)})
	require.NoError(t, err)
	e.clock.Advance(time.Minute)
	var queue *string
	if q != "" {
		queue = &q
	}
	res, err := e.cmds.Operate(ctx, commands.Request{Actor: "a1"}, id, fb.Complete{By: "a1", QueueName: queue})
	require.NoError(t, err)
	e.clock.Advance(time.Minute)
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
				_, err := e.cmds.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: id, AgentID: fmt.Sprintf("a%d", i%50), UserData: []byte(`{"k":"v"}`)})
				if err == nil && i%4 != 0 { // a quarter stay open
					_, err = e.cmds.Operate(ctx, commands.Request{Actor: fmt.Sprintf("a%d", i%50)}, id, fb.Complete{By: fmt.Sprintf("a%d", i%50)})
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
	events, err := e.store.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(id)})
	require.NoError(t, err)
	return events
}

func allViews(t *testing.T, s eventstore.Views) []eventstore.StreamView {
	t.Helper()
	var all []eventstore.StreamView
	after := ""
	for {
		page, err := s.ScanViews(context.Background(), &eventstore.ScanViewsParams{After: after, Limit: 1000})
		require.NoError(t, err)
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		after = page[len(page)-1].StreamID
	}
}
