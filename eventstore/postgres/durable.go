package postgres

import (
	"context"
	"fmt"

	"github.com/fbsession/fbsession/eventstore"
)

// barrierSQL commits a transaction that writes nothing but its commit
// record: taking a transaction id makes it write one, and its commit then
// waits, as every commit does, for the synchronous standbys to have the
// WAL up to that record (flushed, or applied with remote_apply), which
// comes after every change visible before it. It needs no privilege (the
// standbys' LSNs in pg_stat_replication need pg_monitor), and it costs a
// commit: a local WAL flush and a round trip to the standbys.
const barrierSQL = `SELECT pg_current_xact_id()`

// Durable implements eventstore.Durability. The barrier's commit is not
// cancelled when ctx ends (see commitContext), which would end its wait
// for the standbys without telling; the caller is answered then that the
// store is unavailable.
func (s *Store) Durable(ctx context.Context) error {
	done := make(chan error, 1)
	go func() {
		cctx, cancel := s.commitContext(ctx)
		defer cancel()
		_, err := s.pool.Exec(cctx, barrierSQL)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			return interpretError(fmt.Errorf("durability barrier: %w", err))
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("durability barrier: %w: %w", eventstore.ErrUnavailable, ctx.Err())
	}
}

var _ eventstore.Durability = (*Store)(nil)
