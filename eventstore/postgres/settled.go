package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// settleSQL takes the feed lock exclusively for the rest of its
// transaction: every append holds it shared from before it draws a
// position until it commits (markSQL), so once this is granted no append
// is in flight, and the next statement's snapshot has every position
// drawn so far committed or rolled back. The wait is bounded: while it
// waits, new appends queue behind it.
const settleSQL = `SET LOCAL lock_timeout = '2s';
	SELECT pg_advisory_xact_lock(` + feedLockClass + `, 'events'::regclass::oid::int4)`

// SettledHead implements eventstore.Scanner. It holds appends back for as
// long as the appends in flight take to end (milliseconds), at most two
// seconds, after which it fails rather than stall them longer.
func (s *Store) SettledHead(ctx context.Context) (int64, error) {
	var head int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, settleSQL); err != nil {
			return err
		}
		return tx.QueryRow(ctx, lastPositionSQL).Scan(&head)
	})
	if err != nil {
		return 0, fmt.Errorf("settled head: %w", interpretError(err))
	}
	return head, nil
}
