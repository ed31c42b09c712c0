package daemon

import (
	"context"
	"log/slog"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/config"
)

// startCheckpointer signs checkpoints of the log into JetStream while ctx
// lasts, when a key is configured (docs/AUDIT.md); the returned channel is
// closed when it has stopped. A key that cannot be loaded stops the start:
// an operator who asked for checkpoints must not run without them. health
// is told how each round went.
func startCheckpointer(ctx context.Context, cfg *config.Config, b *backend.Backend, js jetstream.JetStream, health *checkpointHealth, log *slog.Logger) (<-chan struct{}, error) {
	done := make(chan struct{})
	if cfg.CheckpointKey == "" {
		close(done)
		return done, nil
	}
	key, err := audit.LoadCheckpointKey(cfg.CheckpointKey)
	if err != nil {
		return nil, err
	}
	health.enable()
	cp := &audit.Checkpointer{
		Interval: cfg.CheckpointInterval, Store: b.Store, Signer: key, Leases: b.Store,
		Logger: log.With("component", "checkpointer"), Observe: health.observe,
		Stream: &audit.CheckpointStream{JetStream: js, Stream: cfg.CheckpointStream, Prefix: cfg.SubjectPrefix, MaxAge: cfg.CheckpointRetention},
	}
	go func() {
		defer close(done)
		if err := cp.Run(ctx); err != nil {
			log.Error("checkpointer stopped", "err", err)
		}
	}()
	return done, nil
}
