package postgres

import (
	"context"
	"fmt"

	"github.com/fbsession/fbsession/eventstore"
)

// barrierSQL commits a transaction that writes one small WAL record (a
// transactional logical message, which takes a transaction id; an id
// alone writes no WAL before the commit, and such a commit waits for no
// standby). Its commit then waits, as every commit that wrote WAL does,
// for the synchronous standbys to have the WAL up to its commit record
// (flushed, or applied with remote_apply), which comes after every change
// visible before it. It needs no privilege (the standbys' LSNs in
// pg_stat_replication need pg_monitor), locks nothing, and costs a commit:
// a local WAL flush and a round trip to the standbys.
const barrierSQL = `SELECT pg_logical_emit_message(true, 'fbsession.durable', '')`

// Durable implements eventstore.Durability. The barrier's commit is not
// cancelled when ctx ends (see commitContext), which would end its wait
// for the standbys without telling; the caller is answered then that the
// store is unavailable.
func (s *Store) Durable(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("durability barrier: %w: %w", eventstore.ErrUnavailable, err)
		}
		return interpretError(fmt.Errorf("durability barrier: %w", err))
	}
	out := make(chan error, 1)
	go func() {
		defer conn.Release()
		cctx, done := s.commitContext(ctx, conn)
		defer done()
		_, err := conn.Exec(cctx, barrierSQL)
		out <- err
	}()
	select {
	case err := <-out:
		if err != nil {
			return interpretError(fmt.Errorf("durability barrier: %w", err))
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("durability barrier: %w: %w", eventstore.ErrUnavailable, ctx.Err())
	}
}

var _ eventstore.Durability = (*Store)(nil)
