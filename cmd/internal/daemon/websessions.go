package daemon

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/fbsession/fbsession/websession"
)

// webSessionSweep is how often expired browser sessions are deleted. A
// login sweeps too when the sessions are at their bound.
const webSessionSweep = 5 * time.Minute

// sweepWebSessions deletes expired browser sessions until ctx ends or
// the returned stop is called, which waits for the sweeper: before the
// store closes.
func sweepWebSessions(ctx context.Context, s *websession.Store, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { s.SweepEvery(ctx, webSessionSweep, log) })
	return func() {
		cancel()
		wg.Wait()
	}
}
