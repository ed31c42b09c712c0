package postgres

import (
	"context"
	"fmt"

	"github.com/fbsession/fbsession/eventstore"
)

// ReserveSequence implements eventstore.Sequences.
func (s *Store) ReserveSequence(ctx context.Context, p *eventstore.ReserveSequenceParams) (int64, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	// A reservation commits: once sent, it is not cancelled (see
	// commitContext), or a block could be handed out that a failover
	// gives again.
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, interpretError(fmt.Errorf("reserve %s: %w", p.Name, err))
	}
	defer conn.Release()
	ctx, done := s.commitContext(ctx, conn)
	defer done()
	var first int64
	if err := conn.QueryRow(ctx, reserveSQL, p.Name, p.N, s.cfg.FailoverGap).Scan(&first); err != nil {
		return 0, interpretError(fmt.Errorf("reserve %s: %w", p.Name, err))
	}
	return first, nil
}
