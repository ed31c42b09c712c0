package postgres

import (
	"context"
	"errors"
	"fmt"
)

// syncStandbysSQL counts the standbys the primary waits for (sync, or
// quorum under ANY n), and the rows it may not see: without pg_monitor
// (pg_read_all_stats), pg_stat_replication shows other roles' WAL senders
// with every column but the pid NULL.
const syncStandbysSQL = `SELECT count(*) FILTER (WHERE sync_state IN ('sync', 'quorum')),
	count(*) FILTER (WHERE sync_state IS NULL) FROM pg_stat_replication`

// ErrNoSyncStandby is SyncStandbys' answer when none is attached: commits
// then wait for one (synchronous_standby_names is set) or are not
// replicated synchronously at all (it is not).
var ErrNoSyncStandby = errors.New("postgres: no synchronous standby attached")

// errReplicationHidden tells that the role cannot see the standbys.
var errReplicationHidden = errors.New("postgres: pg_stat_replication is hidden from this role (grant it pg_monitor)")

// SyncStandbys returns how many synchronous standbys are attached to the
// primary, or ErrNoSyncStandby. It is a read of pg_stat_replication, for
// /readyz (FBSESSION_REQUIRE_SYNC_STANDBY, docs/HA.md).
func (s *Store) SyncStandbys(ctx context.Context) (int, error) {
	var n, hidden int
	if err := s.pool.QueryRow(ctx, syncStandbysSQL).Scan(&n, &hidden); err != nil {
		return 0, interpretError(fmt.Errorf("read pg_stat_replication: %w", err))
	}
	switch {
	case n > 0:
		return n, nil
	case hidden > 0:
		return 0, errReplicationHidden
	}
	return 0, ErrNoSyncStandby
}
