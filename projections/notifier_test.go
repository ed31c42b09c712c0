package projections_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/internal/jsonshape"
	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/transport/gws"
)

func TestCompleteNotifiesOnceWithTheSeedShape(t *testing.T) {
	t.Parallel()
	for name, url := range natstest.Servers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t, newSQLiteStore(t), url)
			msgs := f.subscribe(f.prefix + ".users.a1.facebooksession.>")
			f.run(f.store, f.notifier(f.js, 0))
			f.start("0002DaAVKJ0V0095", "a1")

			intake := receive(t, msgs)
			var body map[string]any
			require.NoError(t, json.Unmarshal(intake.Data, &body))
			require.NotContains(t, body, "referenceId", "intake is not a request of the agent's")
			require.Equal(t, "Chatting", body["facebooksession"].(map[string]any)["state"])

			res, err := f.cmds.Complete(ctx, commands.Request{Actor: "a1"}, "0002DaAVKJ0V0095", fb.Complete{})
			require.NoError(t, err)
			m := receive(t, msgs)
			require.Equal(t, f.prefix+".users.a1.facebooksession.0002DaAVKJ0V0095", m.Subject)
			require.Equal(t, "facebooksession-0002DaAVKJ0V0095:3", m.Header.Get(jetstream.MsgIDHeader))
			body = nil
			require.NoError(t, json.Unmarshal(m.Data, &body))
			require.NoError(t, jsonshape.Compare(seedNotification(t), body), "%s", m.Data)
			require.Equal(t, float64(res.ReferenceID), body["referenceId"])
			s := body["facebooksession"].(map[string]any)
			require.Equal(t, "Completed", s["state"])
			require.Equal(t, []any{}, s["capabilities"])
			require.Equal(t, "http://gws.test/api/v2/facebooksessions/0002DaAVKJ0V0095", s["uri"])
			require.Equal(t, seedNotification(t)["facebooksession"].(map[string]any)["userData"], s["userData"])
			requireNothingMore(t, msgs)

			// JetStream captured both, for subscribers that were away.
			require.Len(t, f.streamMessages(2), 2)
		})
	}
}

func TestQueuedCompleteNotifiesOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newSQLiteStore(t), natstest.RunServer(t, "", 0).ClientURL())
	msgs := f.subscribe(f.prefix + ".>")
	f.run(f.store, f.notifier(f.js, 0))
	f.start("s1", "a1")
	receive(t, msgs)
	q := "PostProcessingQueue"
	res, err := f.cmds.Complete(context.Background(), commands.Request{Actor: "a1"}, "s1", fb.Complete{QueueName: &q})
	require.NoError(t, err)
	var body gws.Notification
	require.NoError(t, json.Unmarshal(receive(t, msgs).Data, &body))
	require.Equal(t, res.ReferenceID, body.ReferenceID)
	require.Equal(t, fb.StatusCompleted, body.Facebooksession.State)
	requireNothingMore(t, msgs)
	events, err := f.store.ReadStream(context.Background(), &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID("s1")})
	require.NoError(t, err)
	require.Equal(t, fb.TypeQueuedTo, events[len(events)-1].Type)
}

// completeMany creates n sessions and completes them from 8 goroutines,
// while the caller does what it likes to the notifier.
func completeMany(t *testing.T, f *fixture, n int, during func(done int)) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		f.start(fmt.Sprintf("s%d", i), "a1")
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	next := make(chan int)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				_, err := f.cmds.Complete(ctx, commands.Request{Actor: "a1"}, fmt.Sprintf("s%d", i), fb.Complete{})
				require.NoError(t, err, "Completes never depend on NATS")
				mu.Lock()
				done++
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
		if i%50 == 0 {
			mu.Lock()
			d := done
			mu.Unlock()
			during(d)
		}
	}
	close(next)
	wg.Wait()
}

// requireEachChangeOnceInOrder checks the stream: every change exactly once,
// and each session's intake before its Complete.
func requireEachChangeOnceInOrder(t *testing.T, msgs []*jetstream.RawStreamMsg, sessions int) {
	t.Helper()
	seen := map[string]bool{}
	version := map[string]int{}
	for _, m := range msgs {
		id := m.Header.Get(jetstream.MsgIDHeader)
		require.False(t, seen[id], "change %s twice", id)
		seen[id] = true
		stream, v, ok := strings.Cut(id, ":")
		require.True(t, ok)
		n, err := strconv.Atoi(v)
		require.NoError(t, err)
		require.Greater(t, n, version[stream], "%s out of order", id)
		version[stream] = n
	}
	require.Len(t, seen, 2*sessions)
}

func TestNotifierRestartedMidwayLosesAndRepeatsNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newPostgresStore(t, postgrestest.SchemaURL(t)), natstest.RunServer(t, "", 0).ClientURL())
	const n = 1000
	stop := f.run(f.store, f.notifier(f.js, 0))
	restarted := false
	completeMany(t, f, n, func(done int) {
		if done >= n/2 && !restarted {
			restarted = true
			stop() // mid-page, maybe mid-publish
			f.run(f.store, f.notifier(f.js, 0))
		}
	})
	require.True(t, restarted)
	requireEachChangeOnceInOrder(t, f.streamMessages(2*n), n)
}

func TestNATSOutageDelaysButLosesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ns := natstest.RunServer(t, dir, 0)
	url := ns.ClientURL()
	f := newFixture(t, newSQLiteStore(t), url)
	f.run(f.store, f.notifier(f.js, time.Second))
	const n = 200
	stopped := false
	completeMany(t, f, n, func(done int) {
		if done >= n/4 && !stopped {
			stopped = true
			ns.Shutdown()
			ns.WaitForShutdown()
		}
	})
	require.True(t, stopped)
	// Everything is committed; NATS comes back on the same port and store.
	natstest.RunServer(t, dir, portOf(t, url))
	requireEachChangeOnceInOrder(t, f.streamMessages(2*n), n)
}

func portOf(t *testing.T, url string) int {
	t.Helper()
	i := strings.LastIndex(url, ":")
	p, err := strconv.Atoi(url[i+1:])
	require.NoError(t, err)
	return p
}

// Two service processes on one database: one notifier runs at a time, so
// no change is published twice, and when it stops the other takes over.
func TestTwoProcessesPublishEachChangeOnce(t *testing.T) {
	t.Parallel()
	url := postgrestest.SchemaURL(t)
	f := newFixture(t, newPostgresStore(t, url), natstest.RunServer(t, "", 0).ClientURL())
	other := newPostgresStore(t, url) // the second process's own pool
	msgs := f.subscribe(f.prefix + ".>")
	stopA := f.run(f.store, f.notifier(f.js, 0))
	f.run(other, f.notifier(f.js, 0))

	const n = 100
	completeMany(t, f, n, func(int) {})
	published := map[string]int{}
	for len(published) < 2*n {
		published[receive(t, msgs).Header.Get(jetstream.MsgIDHeader)]++
	}
	requireNothingMore(t, msgs)
	for id, count := range published {
		require.Equal(t, 1, count, "%s published %d times", id, count)
	}

	// The holder stops; the other process carries on.
	stopA()
	f.start("late", "a1")
	m := receive(t, msgs)
	require.Equal(t, "facebooksession-late:1", m.Header.Get(jetstream.MsgIDHeader))
}
