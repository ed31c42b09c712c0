package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fbsession/fbsession/eventstore"
)

// The fresh table is unlogged while it fills: it is thrown away on a
// crash anyway, and skipping the WAL doubles the fill rate.
const (
	createRebuildSQL = `DROP TABLE IF EXISTS stream_views_rebuild;
		CREATE UNLOGGED TABLE stream_views_rebuild (LIKE stream_views INCLUDING ALL)`
	putRebuildSQL = `INSERT INTO stream_views_rebuild (stream_id, version, owner, active, document)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::boolean[], $5::json[])
		ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version,
			owner = EXCLUDED.owner, active = EXCLUDED.active, document = EXCLUDED.document`
	// SHARE ROW EXCLUSIVE lets readers in and keeps every writer out.
	lockViewsSQL    = `LOCK TABLE stream_views IN SHARE ROW EXCLUSIVE MODE`
	changedViewsSQL = `SELECT stream_id FROM stream_views l
		FULL JOIN stream_views_rebuild r USING (stream_id)
		WHERE l.version IS DISTINCT FROM r.version`
	// Replacing the rows, not renaming tables: appends waiting on the lock
	// then write to the same table, instead of failing on a dropped one.
	swapViewsSQL = `DELETE FROM stream_views;
		INSERT INTO stream_views SELECT * FROM stream_views_rebuild;
		DROP TABLE stream_views_rebuild`
)

// RebuildViews implements eventstore.Store.
func (s *Store) RebuildViews(ctx context.Context) (eventstore.ViewRebuild, error) {
	if _, err := s.pool.Exec(ctx, createRebuildSQL); err != nil {
		return nil, interpretError(fmt.Errorf("create rebuild table: %w", err))
	}
	return &rebuild{s: s}, nil
}

type rebuild struct{ s *Store }

func (r *rebuild) Put(ctx context.Context, views []eventstore.StreamView) error {
	return putViews(ctx, r.s.pool, views)
}

// putViews writes views into the fresh table with one statement.
func putViews(ctx context.Context, q interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, views []eventstore.StreamView) error {
	if len(views) == 0 {
		return nil
	}
	ids := make([]string, len(views))
	versions := make([]int64, len(views))
	owners := make([]string, len(views))
	active := make([]bool, len(views))
	docs := make([]string, len(views))
	for i, v := range views {
		ids[i], versions[i], owners[i], active[i], docs[i] = v.StreamID, v.Version, v.Owner, v.Active, string(v.Document)
	}
	_, err := q.Exec(ctx, putRebuildSQL, ids, versions, owners, active, docs)
	return interpretError(err)
}

func (r *rebuild) Abort() {
	_, _ = r.s.pool.Exec(context.Background(), "DROP TABLE IF EXISTS stream_views_rebuild")
}

func (r *rebuild) Swap(ctx context.Context, refold func(context.Context, []string) ([]eventstore.StreamView, error)) error {
	err := pgx.BeginFunc(ctx, r.s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockViewsSQL); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, changedViewsSQL)
		if err != nil {
			return err
		}
		changed, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if len(changed) > 0 {
			views, err := refold(ctx, changed)
			if err != nil {
				return err
			}
			if err := putViews(ctx, tx, views); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, swapViewsSQL)
		return err
	})
	return interpretError(err)
}
