package bench_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/bench"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
	"github.com/fbsession/fbsession/projections/natstest"
)

// A short run of the benchmark, so that CI keeps it working: the service
// in-process, a few hundred sessions, two concurrencies.
func TestBenchSmoke(t *testing.T) {
	t.Parallel()
	results, err := bench.Run(context.Background(), bench.Config{
		// With a pool setting for the service, which the bench's own
		// connections must not send to the server.
		DatabaseURL: withQuery(t, postgrestest.URL(t), "pool_max_conns", "16"),
		NATSURL:     natstest.RunServer(t, "", 0).ClientURL(),
		Sessions:    200,
		Clients:     []int{1, 4},
		Log:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	require.Len(t, results, 2)
	for _, r := range results {
		require.Zero(t, r.Errors)
		require.Equal(t, 200, r.Completes)
		require.Positive(t, r.CompletesPerSec)
		require.Positive(t, r.RawTxPerSec)
		require.InDelta(t, r.CompletesPerSec/r.RawTxPerSec, r.Ratio, 1e-9)
		require.LessOrEqual(t, r.P50ms, r.P99ms)
		require.LessOrEqual(t, r.P99ms, r.MaxMs)
		require.Positive(t, r.PeakRSSMB)
	}
	var table bytes.Buffer
	require.NoError(t, bench.WriteTable(&table, results))
	require.Contains(t, table.String(), "service/raw")
}

func withQuery(t *testing.T, raw, key, value string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
