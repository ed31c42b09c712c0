package bench_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/bench"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/projections/natstest"
)

// A short run of the routing mode: the service in-process, 4 agents of
// capacity 1, 40 sessions from 2 clients, each held 100 ms: the agents
// drain 40 a second at most, so sessions wait for places and the router
// fills each freed one. Every check holds and every figure is filled.
func TestBenchRouting(t *testing.T) {
	t.Parallel()
	results, err := bench.RunRouting(context.Background(), bench.Config{
		DatabaseURL: postgrestest.URL(t),
		NATSURL:     natstest.RunServer(t, "", 0).ClientURL(),
		Sessions:    40,
		Session:     bench.SessionSmall,
		Clients:     []int{2},
		Routing:     bench.Routing{Agents: 4, Capacity: 1, HandleTime: 100 * time.Millisecond},
		Log:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	require.Len(t, results, 1)
	r := results[0]
	require.Empty(t, r.Problems())
	require.Equal(t, 40, r.Sessions)
	require.Equal(t, 40, r.SessionsInLog)
	require.Equal(t, 40, r.Offers, "one offer per session")
	require.Equal(t, 4, r.Agents)
	require.Equal(t, 1, r.Capacity)
	require.Equal(t, 1, r.MaxLoad)
	require.Positive(t, r.Refills, "places freed while sessions waited")
	require.LessOrEqual(t, r.RefillP50ms, r.RefillP99ms)
	require.Positive(t, r.OffersPerSec)
	require.Positive(t, r.IntakesPerSec)
	require.Positive(t, r.ElapsedSeconds)
	require.Positive(t, r.QueuedMaxMs)
	require.LessOrEqual(t, r.QueuedP50ms, r.QueuedP95ms)
	require.LessOrEqual(t, r.QueuedP95ms, r.QueuedP99ms)
	require.LessOrEqual(t, r.QueuedP99ms, r.QueuedMaxMs)
	require.Positive(t, r.AppendP99ms)
	require.Positive(t, r.SeenMaxMs)
	require.LessOrEqual(t, r.SeenP50ms, r.SeenMaxMs)
	require.Positive(t, r.PeakRSSMB)
	var table bytes.Buffer
	require.NoError(t, bench.WriteRoutingTable(&table, results))
	require.Contains(t, table.String(), "queued→offered p50 ms")
	require.Contains(t, table.String(), "checks OK")
	t.Log("\n" + table.String())
}

// The checks name what went wrong.
func TestRoutingProblems(t *testing.T) {
	t.Parallel()
	r := bench.RoutingResult{Sessions: 3, SessionsInLog: 3}
	require.Empty(t, r.Problems())
	r.OfferedTwice, r.OverCapacity, r.Waiting, r.SessionsInLog = 1, 2, 1, 2
	require.Equal(t, []string{"1 sessions offered more than once", "1 sessions left waiting",
		"2 offers over an agent's capacity", "2 sessions in the log, 3 intakes answered"}, r.Problems())
}
