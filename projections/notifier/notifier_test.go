package notifier_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/internal/jsonshape"
	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/sessionlog"
)

func TestCompleteNotifiesOnceWithTheSeedShape(t *testing.T) {
	t.Parallel()
	for name, url := range natstest.Servers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t, newSQLiteStore(t), url)
			msgs := f.subscribe(f.prefix + ".users.a1.facebooksession.>")
			integration := f.subscribe(f.prefix + ".integration.facebooksession.>")
			f.run(f.store, f.notifier(f.js, 0))
			f.start("0002DaAVKJ0V0095", "a1")

			intake := receive(t, msgs)
			var body map[string]any
			require.NoError(t, json.Unmarshal(intake.Data, &body))
			require.NotContains(t, body, "referenceId", "intake is not a request of the agent's")
			require.Equal(t, "Chatting", body["facebooksession"].(map[string]any)["state"])

			res, err := f.cmds.Operate(ctx, commands.Request{Actor: "a1"}, "0002DaAVKJ0V0095", fb.Complete{By: "a1"})
			require.NoError(t, err)
			m := receive(t, msgs)
			require.Equal(t, f.prefix+".users.a1.facebooksession.0002DaAVKJ0V0095", m.Subject)
			require.Equal(t, "facebooksession-0002DaAVKJ0V0095:3", unchanged(m.Header.Get(jetstream.MsgIDHeader)))
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

			// The integration side got the same two, byte for byte, naming
			// the agent and the events.
			for _, want := range []*nats.Msg{intake, m} {
				got := receive(t, integration)
				require.Equal(t, f.prefix+".integration.facebooksession.0002DaAVKJ0V0095", got.Subject)
				require.Equal(t, want.Data, got.Data)
				require.Equal(t, "a1", got.Header.Get("Fbsession-Agent"))
				require.Equal(t, want.Header.Get("Fbsession-Position"), got.Header.Get("Fbsession-Position"))
			}
			require.Equal(t, "SessionEnded,InteractionCompleted", m.Header.Get("Fbsession-Events"))
			requireNothingMore(t, integration)

			// JetStream captured all four, for subscribers that were away.
			require.Len(t, f.streamMessages(4), 4)
		})
	}
}

func TestQueuedCompleteNotifiesOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newSQLiteStore(t), natstest.RunServer(t, "", 0).ClientURL())
	msgs := f.subscribe(f.prefix + ".users.>")
	f.run(f.store, f.notifier(f.js, 0))
	f.start("s1", "a1")
	receive(t, msgs)
	q := "PostProcessingQueue"
	res, err := f.cmds.Operate(context.Background(), commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1", QueueName: &q})
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
				_, err := f.cmds.Operate(ctx, commands.Request{Actor: "a1"}, fmt.Sprintf("s%d", i), fb.Complete{By: "a1"})
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

// requireEachChangeOnceInOrder checks the stream: every message of every
// change exactly once (the agent's and the integration side's copy of an
// intake and of a Complete), and each session's in order.
func requireEachChangeOnceInOrder(t *testing.T, msgs []*jetstream.RawStreamMsg, sessions int) {
	t.Helper()
	seen := map[string]bool{}
	last := map[string]msgPlace{}
	for _, m := range msgs {
		id := m.Header.Get(jetstream.MsgIDHeader)
		require.False(t, seen[id], "message %s twice", id)
		seen[id] = true
		p := placeOf(t, id)
		require.True(t, last[p.stream].before(p), "%s after %v", id, last[p.stream])
		last[p.stream] = p
	}
	require.Len(t, seen, 4*sessions)
}

// msgPlace is where an unkeyed message id puts a message: its session's
// stream, the change's version and the message's index in the change.
type msgPlace struct {
	stream         string
	version, index int
}

func (p msgPlace) before(q msgPlace) bool {
	return p.version < q.version || p.version == q.version && p.index < q.index
}

// placeOf reads "<stream>:<version>" or "<stream>:<version>:<index>:<kind>".
// unchanged is an unkeyed message id without its change's tag: its
// stream, version, and place in the change.
func unchanged(id string) string {
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		return id[:i]
	}
	return id
}

func placeOf(t testing.TB, id string) msgPlace {
	t.Helper()
	parts := strings.Split(unchanged(id), ":")
	require.Contains(t, []int{2, 4}, len(parts), id)
	p := msgPlace{stream: parts[0]}
	var err error
	p.version, err = strconv.Atoi(parts[1])
	require.NoError(t, err)
	if len(parts) == 4 {
		p.index, err = strconv.Atoi(parts[2])
		require.NoError(t, err)
		require.Positive(t, p.index, id)
	}
	return p
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
	requireEachChangeOnceInOrder(t, f.streamMessages(4*n), n)
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
	requireEachChangeOnceInOrder(t, f.streamMessages(4*n), n)
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
	for len(published) < 4*n {
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
	require.Equal(t, "facebooksession-late:1", unchanged(m.Header.Get(jetstream.MsgIDHeader)))
	m = receive(t, msgs)
	require.Equal(t, "facebooksession-late:1:1:integration", unchanged(m.Header.Get(jetstream.MsgIDHeader)))
}
