package notifier_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/seedfixtures"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/projections"
	"github.com/fbsession/fbsession/projections/natstest"
	"github.com/fbsession/fbsession/projections/notifier"
)

// fixture is a store, a command handler, and NATS with a prefix and stream
// of the test's own.
type fixture struct {
	t      testing.TB
	store  eventstore.Driver
	cmds   *commands.Handler
	nc     *nats.Conn
	js     jetstream.JetStream
	prefix string
	stream string
}

// newSQLiteStore is a store of the test's own on the embedded driver.
func newSQLiteStore(t testing.TB) eventstore.Driver {
	t.Helper()
	return storetest.SQLite(t, storetest.Options{}).Store
}

// newPostgresStore opens a store on url (from postgrestest.SchemaURL): two
// calls on one url are two processes on one database.
func newPostgresStore(t testing.TB, url string) eventstore.Driver {
	t.Helper()
	return storetest.Postgres(t, storetest.Options{PostgresURL: url, PollInterval: 100 * time.Millisecond}).Store
}

func newFixture(t testing.TB, store eventstore.Driver, natsURL string) *fixture {
	t.Helper()
	nc := natstest.Connect(t, natsURL)
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(512))
	require.NoError(t, err)
	f := &fixture{t: t, store: store, cmds: commands.NewHandler(store), nc: nc, js: js,
		prefix: natstest.Unique("t") + ".gws.v2", stream: natstest.Unique("FBSESSION_TEST_")}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), f.stream) })
	return f
}

func (f *fixture) notifier(js jetstream.JetStream, ackTimeout time.Duration) *notifier.Notifier {
	f.t.Helper()
	n, err := notifier.New(notifier.Config{
		JetStream: js, Store: f.store, Prefix: f.prefix, BaseURL: "http://gws.test",
		Stream: f.stream, AckTimeout: ackTimeout,
	})
	require.NoError(f.t, err)
	return n
}

// run starts a runner of the notifier; the returned stop cancels it and
// waits for it.
func (f *fixture) run(store projections.RunnerStore, n projections.Projector) (stop func()) {
	f.t.Helper()
	r, err := projections.NewRunner(projections.RunnerConfig{
		Name: "notifier", Store: store, Projector: n, LeaseRetry: 50 * time.Millisecond,
		RetryMin: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond, PageSize: 64,
	})
	require.NoError(f.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.Run(ctx)
	}()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	f.t.Cleanup(stop)
	return stop
}

// subscribe collects the core NATS messages under the prefix.
func (f *fixture) subscribe(subject string) chan *nats.Msg {
	f.t.Helper()
	ch := make(chan *nats.Msg, 10_000)
	sub, err := f.nc.ChanSubscribe(subject, ch)
	require.NoError(f.t, err)
	f.t.Cleanup(func() { _ = sub.Unsubscribe() })
	require.NoError(f.t, f.nc.Flush())
	return ch
}

func (f *fixture) start(id, agent string) {
	f.t.Helper()
	_, err := f.cmds.Start(context.Background(), commands.Request{Actor: "router"}, fb.Start{
		SessionID: id, AgentID: agent, UserData: seedUserData(f.t), Comment: "c", ReceivedDate: "2015-09-02T15:39:22.000+0300", Status: fb.StatusChatting,
		Participants: []fb.Participant{{Nickname: "VitaliyOnv", Type: "Customer", ID: "007355E6EDFA0107", Visibility: "All", ParticipantID: "007355E6EDFA0107"}},
	})
	require.NoError(f.t, err)
}

func seedNotification(t testing.TB) map[string]any {
	t.Helper()
	raw := seedfixtures.SeedNotification()
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

func seedUserData(t testing.TB) json.RawMessage {
	t.Helper()
	raw, err := json.Marshal(seedNotification(t)["facebooksession"].(map[string]any)["userData"])
	require.NoError(t, err)
	return raw
}

func receive(t testing.TB, ch chan *nats.Msg) *nats.Msg {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no notification")
		return nil
	}
}

func requireNothingMore(t testing.TB, ch chan *nats.Msg) {
	t.Helper()
	select {
	case m := <-ch:
		t.Fatalf("unexpected notification on %s: %s", m.Subject, m.Data)
	case <-time.After(200 * time.Millisecond):
	}
}

// streamMessages reads the stream's messages in order once it holds want.
func (f *fixture) streamMessages(want int) []*jetstream.RawStreamMsg {
	f.t.Helper()
	ctx := context.Background()
	s, err := f.js.Stream(ctx, f.stream)
	require.NoError(f.t, err)
	deadline := time.Now().Add(30 * time.Second)
	var n uint64
	for time.Now().Before(deadline) {
		info, err := s.Info(ctx)
		require.NoError(f.t, err)
		if n = info.State.Msgs; n >= uint64(want) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.Equal(f.t, uint64(want), n, "messages in the stream")
	out := make([]*jetstream.RawStreamMsg, 0, n)
	for seq := uint64(1); seq <= n; seq++ {
		m, err := s.GetMsg(ctx, seq)
		require.NoError(f.t, err)
		out = append(out, m)
	}
	return out
}

// feed is the whole log, in feed order.
func (f *fixture) feed() []eventstore.RecordedEvent {
	f.t.Helper()
	events, err := f.store.ReadFeed(context.Background(), &eventstore.ReadFeedParams{})
	require.NoError(f.t, err)
	return events
}
