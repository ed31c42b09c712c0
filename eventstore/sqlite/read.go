package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fbsession/fbsession/eventstore"
)

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, p *eventstore.ReadStreamParams) ([]eventstore.RecordedEvent, error) {
	limit := -1 // no limit
	if p.Limit > 0 {
		limit = p.Limit
	}
	events, err := s.query(ctx, readStreamSQL, p.StreamID, max(p.FromVersion, 1), limit)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", p.StreamID, err)
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("stream %s: %w", p.StreamID, eventstore.ErrNotFound)
	}
	return events, nil
}

// ReadStreams implements eventstore.Store.
func (s *Store) ReadStreams(ctx context.Context, p *eventstore.ReadStreamsParams) ([]eventstore.RecordedEvent, error) {
	if len(p.StreamIDs) == 0 {
		return nil, nil
	}
	ids, _ := json.Marshal(p.StreamIDs) // strings always encode
	events, err := s.query(ctx, readStreamsSQL, string(ids))
	if err != nil {
		return nil, fmt.Errorf("read %d streams: %w", len(p.StreamIDs), err)
	}
	return events, nil
}

// ReadFeed implements eventstore.Store.
func (s *Store) ReadFeed(ctx context.Context, p *eventstore.ReadFeedParams) ([]eventstore.RecordedEvent, error) {
	events, err := s.query(ctx, feedSQL, int64(p.After.Commit), p.After.Position, eventstore.PageLimit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("read feed after %v: %w", p.After, err)
	}
	return events, nil
}

// Head implements eventstore.Store.
func (s *Store) Head(ctx context.Context) (int64, error) {
	var head int64
	err := s.read.QueryRowContext(ctx, lastPositionSQL).Scan(&head)
	return head, interpretError(err)
}

func (s *Store) query(ctx context.Context, query string, args ...any) ([]eventstore.RecordedEvent, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	var events []eventstore.RecordedEvent
	for rows.Next() {
		var (
			e          eventstore.RecordedEvent
			commit     int64
			recordedAt int64
			data, meta string
		)
		if err := rows.Scan(&e.Position, &commit, &e.StreamID, &e.Version, &e.ID, &e.Type,
			&e.SchemaVersion, &data, &meta, &recordedAt, &e.Hash); err != nil {
			return nil, interpretError(err)
		}
		e.Commit = uint64(commit)
		e.Data, e.Metadata = []byte(data), []byte(meta)
		e.RecordedAt = time.UnixMicro(recordedAt).UTC()
		events = append(events, e)
	}
	return events, interpretError(rows.Err())
}
