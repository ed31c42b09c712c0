package daemon

import (
	"context"
	"log/slog"

	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/config"
)

// openStore opens the configured store, migrated. Exclusive: a second
// fbsessiond on this data directory would share the in-process NATS store
// and lose notifications.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (*backend.Backend, error) {
	b, err := backend.Open(ctx, cfg, log, backend.Exclusive())
	if err != nil {
		return nil, err
	}
	version, err := b.Migrate(ctx)
	if err != nil {
		b.Close()
		return nil, err
	}
	log.Info("store ready", "dialect", b.Dialect, "schema_version", version)
	return b, nil
}
