package websession

import (
	"context"
	"log/slog"
	"time"
)

// SweepEvery sweeps expired and revoked sessions every d until ctx ends.
// Issue sweeps too when the sessions are at their bound; this keeps the
// table small meanwhile. A failure is logged and the next sweep tries
// again.
func (s *Store) SweepEvery(ctx context.Context, d time.Duration, log *slog.Logger) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := s.Sweep(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("sweeping expired browser sessions", "err", err)
		case n > 0:
			log.Debug("swept expired browser sessions", "sessions", n)
		}
	}
}
