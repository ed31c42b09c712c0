package commands_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/internal/storetest"
)

// A stale cache makes the append conflict; the handler counts the conflict
// and the retry that then finds the session completed.
func TestMetricsCountConflictsAndRetries(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, be *storetest.Backend) {
		ctx := context.Background()
		reg := prometheus.NewPedanticRegistry()
		a := commands.NewHandler(be.Store, commands.WithMetrics(reg))
		b := commands.NewHandler(be.Store)
		start(t, a, "s1") // a caches s1 as Chatting
		require.Zero(t, operationCount(t, reg, "fbsession_append_conflicts_total", commands.OperationComplete))

		_, err := b.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1"})
		require.NoError(t, err)
		_, err = a.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1"})
		require.ErrorIs(t, err, fb.ErrInvalidState)

		require.Equal(t, 1.0, operationCount(t, reg, "fbsession_append_conflicts_total", commands.OperationComplete))
		require.Equal(t, 1.0, operationCount(t, reg, "fbsession_command_retries_total", commands.OperationComplete))
		require.Zero(t, operationCount(t, reg, "fbsession_append_conflicts_total", commands.OperationIntake))
		// Closed label set: one series per operation and counter, whatever ran.
		families, err := reg.Gather()
		require.NoError(t, err)
		series := 0
		for _, f := range families {
			series += len(f.GetMetric())
		}
		require.Equal(t, 2*len(commands.Operations()), series)
	})
}

// operationCount is the value of the series of counter name for operation.
func operationCount(t *testing.T, reg prometheus.Gatherer, name, operation string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "operation" && l.GetValue() == operation {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no series %s{operation=%q}", name, operation)
	return 0
}
