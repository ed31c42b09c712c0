package bench

import (
	"context"
)

// walBytes is the position of the whole PostgreSQL cluster's WAL, in
// bytes, so that a run can tell what a Complete costs the
// database in WAL against a raw transaction; -1 when it cannot tell.
func walBytes(ctx context.Context, dbURL string) int64 {
	conn, err := connect(ctx, dbURL)
	if err != nil {
		return -1
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint`).Scan(&n); err != nil {
		return -1
	}
	return n
}

// perUnitKB divides a WAL delta into KB per unit; 0 when unknown.
func perUnitKB(before, after int64, units int) float64 {
	if before < 0 || after < 0 || units == 0 {
		return 0
	}
	return float64(after-before) / 1024 / float64(units)
}
