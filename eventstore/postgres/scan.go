package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fbsession/fbsession/eventstore"
)

// ScanStreams implements eventstore.Store.
func (s *Store) ScanStreams(ctx context.Context, p *eventstore.ScanStreamsParams) ([]eventstore.RecordedEvent, error) {
	events, err := s.query(ctx, scanStreamsSQL, p.AfterStream, p.AfterVersion, eventstore.PageLimit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("scan streams: %w", err)
	}
	return events, nil
}

// ReadRange implements eventstore.Store.
func (s *Store) ReadRange(ctx context.Context, p *eventstore.ReadRangeParams) ([]eventstore.RecordedEvent, error) {
	events, err := s.query(ctx, readRangeSQL, p.From, p.To, eventstore.PageLimit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("read positions %d-%d: %w", p.From, p.To, err)
	}
	return events, nil
}

// ScanViews implements eventstore.Store.
func (s *Store) ScanViews(ctx context.Context, after string, n int) ([]eventstore.StreamView, error) {
	rows, err := s.pool.Query(ctx, scanViewsSQL, after, eventstore.PageLimit(n))
	if err != nil {
		return nil, interpretError(err)
	}
	views, err := pgx.CollectRows(rows, scanView)
	return views, interpretError(err)
}
