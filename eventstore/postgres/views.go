package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fbsession/fbsession/eventstore"
)

// View implements eventstore.Views.
func (s *Store) View(ctx context.Context, p *eventstore.ViewParams) (*eventstore.StreamView, error) {
	rows, err := s.pool.Query(ctx, viewSQL, p.StreamID)
	if err != nil {
		return nil, interpretError(err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, scanView)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("view of %s: %w", p.StreamID, eventstore.ErrNotFound)
	}
	if err != nil {
		return nil, interpretError(err)
	}
	return &v, nil
}

// ListViews implements eventstore.Views.
func (s *Store) ListViews(ctx context.Context, p *eventstore.ListViewsParams) ([]eventstore.StreamView, error) {
	return s.queryViews(ctx, listViewsSQL, p.ListKey, p.After, eventstore.PageLimit(p.Limit))
}

// ScanViews implements eventstore.Views.
func (s *Store) ScanViews(ctx context.Context, p *eventstore.ScanViewsParams) ([]eventstore.StreamView, error) {
	return s.queryViews(ctx, scanViewsSQL, p.After, eventstore.PageLimit(p.Limit))
}

// ReadViews implements eventstore.Views.
func (s *Store) ReadViews(ctx context.Context, p *eventstore.ReadViewsParams) ([]eventstore.StreamView, error) {
	if len(p.StreamIDs) > eventstore.MaxReadViews {
		return nil, fmt.Errorf("%w: %d views to read, at most %d", eventstore.ErrInvalid, len(p.StreamIDs), eventstore.MaxReadViews)
	}
	if len(p.StreamIDs) == 0 {
		return nil, nil
	}
	views, err := s.queryViews(ctx, readViewsSQL, p.StreamIDs)
	if err != nil {
		return nil, fmt.Errorf("read %d views: %w", len(p.StreamIDs), err)
	}
	return views, nil
}

func (s *Store) queryViews(ctx context.Context, sql string, args ...any) ([]eventstore.StreamView, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, interpretError(err)
	}
	views, err := pgx.CollectRows(rows, scanView)
	return views, interpretError(err)
}

func scanView(row pgx.CollectableRow) (eventstore.StreamView, error) {
	var v eventstore.StreamView
	err := row.Scan(&v.StreamID, &v.Version, &v.ListKey, &v.Document, &v.Detail, &v.DetailVersion)
	return v, err
}
