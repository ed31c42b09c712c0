package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fbsession/fbsession/eventstore"
)

// View implements eventstore.Store.
func (s *Store) View(ctx context.Context, streamID string) (*eventstore.StreamView, error) {
	v, err := scanView(s.read.QueryRowContext(ctx, viewSQL, streamID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("view of %s: %w", streamID, eventstore.ErrNotFound)
	}
	if err != nil {
		return nil, interpretError(err)
	}
	return &v, nil
}

// ListViews implements eventstore.Store.
func (s *Store) ListViews(ctx context.Context, p *eventstore.ListViewsParams) ([]eventstore.StreamView, error) {
	return s.queryViews(ctx, listViewsSQL, p.Owner, p.ActiveOnly)
}

func (s *Store) queryViews(ctx context.Context, query string, args ...any) ([]eventstore.StreamView, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	var views []eventstore.StreamView
	for rows.Next() {
		v, err := scanView(rows)
		if err != nil {
			return nil, interpretError(err)
		}
		views = append(views, v)
	}
	return views, interpretError(rows.Err())
}

// ReserveSequence implements eventstore.Store.
func (s *Store) ReserveSequence(ctx context.Context, name string, n int64) (int64, error) {
	if name == "" || n <= 0 {
		return 0, fmt.Errorf("%w: sequence %q, %d values", eventstore.ErrInvalid, name, n)
	}
	var first int64
	if err := s.write.QueryRowContext(ctx, reserveSQL, name, n).Scan(&first); err != nil {
		return 0, interpretError(fmt.Errorf("reserve %s: %w", name, err))
	}
	return first, nil
}

func scanView(row interface{ Scan(...any) error }) (eventstore.StreamView, error) {
	var (
		v   eventstore.StreamView
		doc string
	)
	err := row.Scan(&v.StreamID, &v.Version, &v.Owner, &v.Active, &doc)
	v.Document = []byte(doc)
	return v, err
}
