package sqlite

import (
	"context"
	"fmt"

	"github.com/fbsession/fbsession/eventstore"
)

// ScanStreams implements eventstore.Scanner.
func (s *Store) ScanStreams(ctx context.Context, p *eventstore.ScanStreamsParams) ([]eventstore.RecordedEvent, error) {
	events, err := s.query(ctx, scanStreamsSQL, p.AfterStream, p.AfterVersion, eventstore.PageLimit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("scan streams: %w", err)
	}
	return events, nil
}

// ReadRange implements eventstore.Scanner.
func (s *Store) ReadRange(ctx context.Context, p *eventstore.ReadRangeParams) ([]eventstore.RecordedEvent, error) {
	events, err := s.query(ctx, readRangeSQL, p.From, p.To, eventstore.PageLimit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("read positions %d-%d: %w", p.From, p.To, err)
	}
	return events, nil
}
