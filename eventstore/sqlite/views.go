package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fbsession/fbsession/eventstore"
)

// View implements eventstore.Views.
func (s *Store) View(ctx context.Context, p *eventstore.ViewParams) (*eventstore.StreamView, error) {
	v, err := scanView(s.read.QueryRowContext(ctx, viewSQL, p.StreamID))
	if errors.Is(err, sql.ErrNoRows) {
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
	ids, _ := json.Marshal(p.StreamIDs) // strings always encode
	views, err := s.queryViews(ctx, readViewsSQL, string(ids))
	if err != nil {
		return nil, fmt.Errorf("read %d views: %w", len(p.StreamIDs), err)
	}
	return views, nil
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

func scanView(row interface{ Scan(...any) error }) (eventstore.StreamView, error) {
	var (
		v      eventstore.StreamView
		doc    string
		detail sql.NullString
	)
	err := row.Scan(&v.StreamID, &v.Version, &v.ListKey, &doc, &detail, &v.DetailVersion)
	v.Document = []byte(doc)
	if detail.Valid {
		v.Detail = []byte(detail.String)
	}
	return v, err
}

// nullText is a JSON document as stored: TEXT, or NULL for nil.
func nullText(doc []byte) sql.NullString {
	return sql.NullString{String: string(doc), Valid: doc != nil}
}
