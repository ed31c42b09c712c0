package notifier

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/projections/natstest"
)

// A message id is the change's own: the same change read again (a
// re-publish) has the same id, keyed or not; another change at the same
// stream and version (written after a failover lost the first) has
// another, so JetStream never drops it as the first's duplicate.
func TestMessageIDIsTheChanges(t *testing.T) {
	t.Parallel()
	change := func(hash byte) *eventstore.RecordedEvent {
		h := make([]byte, eventstore.HashSize)
		h[0], h[7] = hash, 0xff
		return &eventstore.RecordedEvent{StreamID: "facebooksession-s1", Version: 3, Hash: h}
	}
	for _, key := range []string{"", "k1"} {
		e := envelope{msgIDKey: []byte(key)}
		if key == "" {
			e.msgIDKey = nil
		}
		first := e.msgID(change(1), 0, "users")
		require.Equal(t, first, e.msgID(change(1), 0, "users"), "a re-publish is a duplicate")
		require.NotEqual(t, first, e.msgID(change(2), 0, "users"), "another change at the version is not")
		require.NotEqual(t, first, e.msgID(change(1), 1, "integration"), "nor another message of the change")
		if key == "" {
			require.Equal(t, "facebooksession-s1:3/01000000000000ff", first)
			require.Equal(t, "facebooksession-s1:3:1:integration/01000000000000ff", e.msgID(change(1), 1, "integration"))
		}
	}
	// An event without a hash (before the chain) is told by its id.
	noHash := &eventstore.RecordedEvent{StreamID: "s", Version: 1, ID: [16]byte{0xab}}
	require.Equal(t, "s:1/ab000000000000000000000000000000", envelope{}.msgID(noHash, 0, "users"))
}

// A duplicate ack is counted; one whose stored message differs from the
// one published (its change was never stored) is counted apart and
// logged.
func TestDuplicateThatDiffersIsCounted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	js, err := jetstream.New(natstest.Connect(t, natstest.RunServer(t, "", 0).ClientURL()))
	require.NoError(t, err)
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "N", Subjects: []string{"n.>"}, Duplicates: time.Minute})
	require.NoError(t, err)
	var logged strings.Builder
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	pr := newPublisher(&Config{JetStream: js, AckTimeout: 5 * time.Second, Metrics: m,
		Logger: slog.New(slog.NewTextHandler(&logged, nil))})

	send := func(id, body string) {
		t.Helper()
		msg := nats.NewMsg("n.s1")
		msg.Data = []byte(body)
		msg.Header.Set(jetstream.MsgIDHeader, id)
		p := &publication{msg: msg, chain: "s1 " + id, settled: make(chan struct{})}
		done, err := pr.publish(ctx, []*publication{p})
		require.NoError(t, err)
		require.NoError(t, <-done)
	}
	send("c1", "first")
	require.Equal(t, 1.0, value(m.published))
	send("c1", "first") // a re-publish
	require.Equal(t, 1.0, value(m.published))
	require.Equal(t, 1.0, value(m.duplicates))
	require.Zero(t, value(m.differing))
	require.Empty(t, logged.String())

	send("c1", "another change") // dropped: never stored
	require.Equal(t, 2.0, value(m.duplicates))
	require.Equal(t, 1.0, value(m.differing))
	require.Contains(t, logged.String(), "level=ERROR")
	require.Contains(t, logged.String(), "msg_id=c1")
}

// value is a counter's value, as a metric written out.
func value(c prometheus.Counter) float64 {
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil {
		panic(err)
	}
	return families[0].GetMetric()[0].GetCounter().GetValue()
}
