package sqlite

import (
	"context"
	"database/sql"

	"github.com/fbsession/fbsession/eventstore"
)

// RebuildViews implements eventstore.Views. The swap runs in one write
// transaction: readers (WAL) keep the old views until it commits.
func (s *Store) RebuildViews(ctx context.Context) (eventstore.ViewRebuild, error) {
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
		if _, err := stmt.ExecContext(ctx, v.StreamID, v.Version, v.ListKey, string(v.Document),
			nullText(v.Detail), v.DetailVersion); err != nil {
			return interpretError(err)
		}
	}
	return nil
}

func (r *rebuild) Abort() {
	_, _ = r.s.write.ExecContext(context.Background(), dropRebuildSQL)
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
	if _, err := tx.ExecContext(ctx, swapViewsSQL); err != nil {
		return interpretError(err)
	}
	return interpretError(tx.Commit())
}
