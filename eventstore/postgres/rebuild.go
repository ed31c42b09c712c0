package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fbsession/fbsession/eventstore"
)

// RebuildViews implements eventstore.Views.
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
	keys := make([]string, len(views))
	docs := make([]string, len(views))
	details := make([]*string, len(views)) // nil is NULL
	detailVersions := make([]int64, len(views))
	for i, v := range views {
		ids[i], versions[i], keys[i], docs[i] = v.StreamID, v.Version, v.ListKey, string(v.Document)
		if v.Detail != nil {
			d := string(v.Detail)
			details[i] = &d
		}
		detailVersions[i] = v.DetailVersion
	}
	_, err := q.Exec(ctx, putRebuildSQL, ids, versions, keys, docs, details, detailVersions)
	return interpretError(err)
}

func (r *rebuild) Abort() {
	_, _ = r.s.pool.Exec(context.Background(), dropRebuildSQL)
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
