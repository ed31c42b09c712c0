package daemon

import (
	"context"
	"log/slog"
	"maps"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/config"
)

// syncStandbys is a store that tells how many synchronous standbys are
// attached (postgres.Store).
type syncStandbys interface {
	SyncStandbys(ctx context.Context) (int, error)
}

// degradedChecks are what /readyz reports degraded on: the checkpoints,
// when configured, and, with FBSESSION_REQUIRE_SYNC_STANDBY, whether a
// synchronous standby is attached. Without one, commits wait for it
// (synchronous_standby_names set) or are on the primary alone, which a
// failover can lose (docs/HA.md): the API still serves.
func degradedChecks(cfg *config.Config, b *backend.Backend, checkpoints map[string]func(context.Context) error, log *slog.Logger) map[string]func(context.Context) error {
	checks := maps.Clone(checkpoints)
	if !cfg.RequireSyncStandby {
		return checks
	}
	s, ok := b.Store.(syncStandbys)
	if !ok {
		log.Warn("FBSESSION_REQUIRE_SYNC_STANDBY ignored: this store has no standbys", "dialect", b.Dialect)
		return checks
	}
	if checks == nil {
		checks = map[string]func(context.Context) error{}
	}
	checks["sync_standby"] = func(ctx context.Context) error {
		_, err := s.SyncStandbys(ctx)
		return err
	}
	return checks
}
