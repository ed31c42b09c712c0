package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fbsession/fbsession/eventstore"
)

// View implements eventstore.Store.
func (s *Store) View(ctx context.Context, streamID string) (*eventstore.StreamView, error) {
	rows, err := s.pool.Query(ctx, viewSQL, streamID)
	if err != nil {
		return nil, interpretError(err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, scanView)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("view of %s: %w", streamID, eventstore.ErrNotFound)
	}
	if err != nil {
		return nil, interpretError(err)
	}
	return &v, nil
}

// ListViews implements eventstore.Store.
func (s *Store) ListViews(ctx context.Context, p *eventstore.ListViewsParams) ([]eventstore.StreamView, error) {
	rows, err := s.pool.Query(ctx, listViewsSQL, p.Owner, p.ActiveOnly)
	if err != nil {
		return nil, interpretError(err)
	}
	views, err := pgx.CollectRows(rows, scanView)
	return views, interpretError(err)
}

// ReserveSequence implements eventstore.Store.
func (s *Store) ReserveSequence(ctx context.Context, name string, n int64) (int64, error) {
	if name == "" || n <= 0 {
		return 0, fmt.Errorf("%w: sequence %q, %d values", eventstore.ErrInvalid, name, n)
	}
	var first int64
	if err := s.pool.QueryRow(ctx, reserveSQL, name, n).Scan(&first); err != nil {
		return 0, interpretError(fmt.Errorf("reserve %s: %w", name, err))
	}
	return first, nil
}

func scanView(row pgx.CollectableRow) (eventstore.StreamView, error) {
	var v eventstore.StreamView
	err := row.Scan(&v.StreamID, &v.Version, &v.Owner, &v.Active, &v.Document)
	return v, err
}
