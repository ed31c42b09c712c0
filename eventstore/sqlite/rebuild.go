package sqlite

import (
	"context"
	"database/sql"

	"github.com/fbsession/fbsession/eventstore"
)

const (
	createRebuildSQL = `CREATE TABLE stream_views_rebuild (
		stream_id TEXT PRIMARY KEY, version INTEGER NOT NULL, owner TEXT NOT NULL,
		active INTEGER NOT NULL, document TEXT NOT NULL)`
	putRebuildSQL = `INSERT INTO stream_views_rebuild (stream_id, version, owner, active, document)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version,
			owner = excluded.owner, active = excluded.active, document = excluded.document`
	changedViewsSQL = `SELECT l.stream_id FROM stream_views l
		LEFT JOIN stream_views_rebuild r USING (stream_id) WHERE r.version IS NOT l.version
		UNION
		SELECT r.stream_id FROM stream_views_rebuild r
		LEFT JOIN stream_views l USING (stream_id) WHERE l.stream_id IS NULL`
)

// RebuildViews implements eventstore.Store. The swap runs in one write
// transaction: readers (WAL) keep the old views until it commits.
func (s *Store) RebuildViews(ctx context.Context) (eventstore.ViewRebuild, error) {
	if _, err := s.write.ExecContext(ctx, "DROP TABLE IF EXISTS stream_views_rebuild"); err != nil {
		return nil, interpretError(err)
	}
	if _, err := s.write.ExecContext(ctx, createRebuildSQL); err != nil {
		return nil, interpretError(err)
	}
	return &rebuild{s: s}, nil
}

type rebuild struct{ s *Store }

func (r *rebuild) Put(ctx context.Context, views []eventstore.StreamView) error {
	tx, err := r.s.write.BeginTx(ctx, nil)
	if err != nil {
		return interpretError(err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := putViews(ctx, tx, views); err != nil {
		return err
	}
	return interpretError(tx.Commit())
}

func putViews(ctx context.Context, tx *sql.Tx, views []eventstore.StreamView) error {
	stmt, err := tx.PrepareContext(ctx, putRebuildSQL)
	if err != nil {
		return interpretError(err)
	}
	defer stmt.Close()
	for _, v := range views {
		if _, err := stmt.ExecContext(ctx, v.StreamID, v.Version, v.Owner, v.Active, string(v.Document)); err != nil {
			return interpretError(err)
		}
	}
	return nil
}

func (r *rebuild) Abort() {
	_, _ = r.s.write.ExecContext(context.Background(), "DROP TABLE IF EXISTS stream_views_rebuild")
}

func (r *rebuild) Swap(ctx context.Context, refold func(context.Context, []string) ([]eventstore.StreamView, error)) error {
	tx, err := r.s.write.BeginTx(ctx, nil) // BEGIN IMMEDIATE: appends wait
	if err != nil {
		return interpretError(err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	rows, err := tx.QueryContext(ctx, changedViewsSQL)
	if err != nil {
		return interpretError(err)
	}
	var changed []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return interpretError(err)
		}
		changed = append(changed, id)
	}
	rows.Close()
	if len(changed) > 0 {
		views, err := refold(ctx, changed)
		if err != nil {
			return err
		}
		if err := putViews(ctx, tx, views); err != nil {
			return err
		}
	}
	for _, q := range []string{
		"DELETE FROM stream_views",
		"INSERT INTO stream_views SELECT stream_id, version, owner, active, document FROM stream_views_rebuild",
		"DROP TABLE stream_views_rebuild",
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return interpretError(err)
		}
	}
	return interpretError(tx.Commit())
}
