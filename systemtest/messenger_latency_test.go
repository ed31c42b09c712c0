package systemtest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/messenger/fakegraph"
	"github.com/fbsession/fbsession/projections/natstest"
)

// Webhook → agent notification latency (issue 26): customers of sessions
// the agent holds write at latencyRate deliveries a second, each a signed
// webhook POST sent on its tick whatever the earlier ones do (open loop),
// and the agent's desktop, subscribed on NATS to its subject, sees each
// message in a NewMessages. The test reports the time from the POST's 200
// (the delivery stored) to the NewMessages, p50, p99 and max, and checks
// that every message was notified, once. 2 s in CI; 15 s with
// FBSESSION_LONG_TESTS=1, the measurement of docs/PERFORMANCE.md.
func TestMessengerNotificationLatency(t *testing.T) {
	t.Parallel()
	const latencyRate, sessions = 200, 20
	duration := 2 * time.Second
	if longTests() {
		duration = 15 * time.Second
	}
	bins := buildBinaries(t)
	dbURL := postgrestest.SchemaURL(t)
	natsURL := natstest.RunServer(t, "", 0).ClientURL()
	rig := startMessenger(t, bins, dbURL, natsURL, 10*time.Second, false, fakegraph.Config{}, nil)
	rig.seedMessengerAgent(t, dbURL, sessions)
	ctx, cancel := context.WithTimeout(context.Background(), duration+time.Minute)
	defer cancel()
	rig.openSessions(ctx, t, sessions)

	// The desktop: the texts of the NewMessages on the agent's subject.
	nc, err := nats.Connect(natsURL)
	require.NoError(t, err)
	defer nc.Close()
	var mu sync.Mutex
	seen := map[string]time.Time{}
	seenTwice := 0
	sub, err := nc.Subscribe(subjectPrefix+".users.a1.facebooksession.>", func(m *nats.Msg) {
		at := time.Now()
		var n struct {
			NotificationType string
			Messages         []struct{ Text string }
		}
		if json.Unmarshal(m.Data, &n) != nil || n.NotificationType != "NewMessages" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, msg := range n.Messages {
			if _, ok := seen[msg.Text]; ok {
				seenTwice++
			} else {
				seen[msg.Text] = at
			}
		}
	})
	require.NoError(t, err)
	defer sub.Unsubscribe()
	require.NoError(t, nc.Flush())

	// The customers: delivery k from psid-(k%sessions) at its tick.
	total := int(duration.Seconds() * latencyRate)
	stored := make([]time.Time, total) // the POST's 200
	posted := make([]time.Duration, total)
	var wg sync.WaitGroup
	start := time.Now()
	for k := range total {
		time.Sleep(time.Until(start.Add(time.Duration(k) * time.Second / latencyRate)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent := time.Now()
			err := rig.customerWrites(ctx, fmt.Sprintf("psid-%d", k%sessions), fmt.Sprintf("m_latency_%d", k), fmt.Sprintf("latency %d", k))
			if err != nil {
				t.Errorf("delivery %d: %v", k, err)
				return
			}
			stored[k], posted[k] = time.Now(), time.Since(sent)
		}()
	}
	wg.Wait()
	sendRate := float64(total) / time.Since(start).Seconds()
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for k := range total {
			if _, ok := seen[fmt.Sprintf("latency %d", k)]; !ok {
				return false
			}
		}
		return true
	}, 30*time.Second, 20*time.Millisecond, "every message notified")

	mu.Lock()
	defer mu.Unlock()
	require.Zero(t, seenTwice, "each message notified once")
	latencies := make([]time.Duration, total)
	for k := range total {
		at, ok := seen[fmt.Sprintf("latency %d", k)]
		require.True(t, ok, "message %d notified", k)
		latencies[k] = at.Sub(stored[k])
	}
	slices.Sort(latencies)
	slices.Sort(posted)
	pct := func(d []time.Duration, p int) time.Duration {
		return d[min(len(d)-1, len(d)*p/100)].Round(100 * time.Microsecond)
	}
	t.Logf("%d deliveries at %.0f/s to %d sessions over %s: webhook 200 → NewMessages p50 %s, p99 %s, max %s; the POST itself p50 %s, p99 %s",
		total, sendRate, sessions, duration, pct(latencies, 50), pct(latencies, 99), latencies[len(latencies)-1].Round(100*time.Microsecond),
		pct(posted, 50), pct(posted, 99))
}
