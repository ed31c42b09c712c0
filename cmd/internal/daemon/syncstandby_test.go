package daemon

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/eventstore/postgres"
	"github.com/fbsession/fbsession/eventstore/postgres/postgrestest"
)

// With FBSESSION_REQUIRE_SYNC_STANDBY, /readyz has a degraded check that
// fails while no synchronous standby is attached (the test server has
// none); without it, no such check.
func TestReadyzRequiresASyncStandby(t *testing.T) {
	t.Parallel()
	s, err := postgres.New(postgrestest.NewPool(t), postgres.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	b := &backend.Backend{Store: s, Dialect: "postgres"}
	log := slog.New(slog.DiscardHandler)

	require.NotContains(t, degradedChecks(&config.Config{}, b, nil, log), "sync_standby")
	checks := degradedChecks(&config.Config{RequireSyncStandby: true}, b, nil, log)
	require.ErrorIs(t, checks["sync_standby"](context.Background()), postgres.ErrNoSyncStandby)
}
