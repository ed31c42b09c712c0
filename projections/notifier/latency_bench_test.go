package notifier_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/projections/natstest"
)

// BenchmarkNotificationLatency measures commit → receive: from a Complete's
// append returning to a core NATS subscriber receiving its StatusChange,
// with 16 clients completing sessions on PostgreSQL and the notifier
// running live. One op is one Complete. Metrics: p50-ms, p99-ms, max-ms,
// completes/s.
func BenchmarkNotificationLatency(b *testing.B) {
	ctx := context.Background()
	f := newFixture(b, newPostgresStore(b, postgrestest.SchemaURL(b)), natstest.RunServer(b, "", 0).ClientURL())
	var (
		mu        sync.Mutex
		committed = make(map[int64]time.Time, b.N)
		received  = make(map[int64]time.Time, b.N)
		all       = make(chan struct{})
		intakes   atomic.Int64
	)
	// The agents' subjects: the integration side's copies follow them.
	_, err := f.nc.Subscribe(f.prefix+".users.>", func(m *nats.Msg) {
		now := time.Now()
		var n gws.Notification
		if json.Unmarshal(m.Data, &n) != nil || n.ReferenceID == 0 {
			intakes.Add(1)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		received[n.ReferenceID] = now
		if len(received) == b.N {
			close(all)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	f.run(f.store, f.notifier(f.js, 0))
	// The sessions' intake notifications pass before the clock starts, so
	// that no backlog is measured.
	for i := 0; i < b.N; i++ {
		f.start(fmt.Sprintf("s%d", i), "a1")
	}
	for deadline := time.Now().Add(time.Minute); intakes.Load() < int64(b.N); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d intake notifications", intakes.Load(), b.N)
		}
	}

	b.ResetTimer()
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < 16; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
				res, err := f.cmds.Operate(ctx, commands.Request{Actor: "a1"}, fmt.Sprintf("s%d", i), fb.Complete{By: "a1"})
				if err != nil {
					b.Error(err)
					return
				}
				now := time.Now()
				mu.Lock()
				committed[res.ReferenceID] = now
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	select {
	case <-all:
	case <-time.After(60 * time.Second):
		b.Fatalf("received %d of %d notifications", len(received), b.N)
	}
	b.StopTimer()

	mu.Lock()
	defer mu.Unlock()
	latencies := make([]time.Duration, 0, b.N)
	for ref, t0 := range committed {
		// A notification can beat the return of its own request: count 0.
		latencies = append(latencies, max(0, received[ref].Sub(t0)))
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "completes/s")
}
