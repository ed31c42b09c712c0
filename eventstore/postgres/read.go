package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/fbsession/fbsession/eventstore"
)

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, p *eventstore.ReadStreamParams) ([]eventstore.RecordedEvent, error) {
	var limit any // NULL: no limit
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
	events, err := s.query(ctx, readStreamsSQL, p.StreamIDs)
	if err != nil {
		return nil, fmt.Errorf("read %d streams: %w", len(p.StreamIDs), err)
	}
	return events, nil
}

// ReadFeed implements eventstore.Store. Two statements, each with its own
// snapshot: the watermark, then the events below it (see the package doc).
// Never one: a snapshot taken before the watermark is computed can miss an
// append that commits in between. One connection for both: under load a
// second wait for the pool cost more than the second round trip.
func (s *Store) ReadFeed(ctx context.Context, p *eventstore.ReadFeedParams) ([]eventstore.RecordedEvent, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, interpretError(fmt.Errorf("read feed: %w", err))
	}
	defer conn.Release()
	var watermark uint64
	if err := conn.QueryRow(ctx, watermarkSQL).Scan(&watermark); err != nil {
		return nil, interpretError(fmt.Errorf("read feed watermark: %w", err))
	}
	events, err := queryEvents(ctx, conn, s.feedSQL, p.After.Commit, p.After.Position, watermark, eventstore.PageLimit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("read feed after %v: %w", p.After, err)
	}
	return events, nil
}

// Head implements eventstore.Store.
func (s *Store) Head(ctx context.Context) (int64, error) {
	var head int64
	err := s.pool.QueryRow(ctx, lastPositionSQL).Scan(&head)
	return head, interpretError(err)
}

func (s *Store) query(ctx context.Context, sql string, args ...any) ([]eventstore.RecordedEvent, error) {
	return queryEvents(ctx, s.pool, sql, args...)
}

func queryEvents(ctx context.Context, q querier, sql string, args ...any) ([]eventstore.RecordedEvent, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, interpretError(err)
	}
	events, err := pgx.CollectRows(rows, scanEvent)
	if err != nil {
		return nil, interpretError(err)
	}
	return events, nil
}

func scanEvent(row pgx.CollectableRow) (eventstore.RecordedEvent, error) {
	var (
		e  eventstore.RecordedEvent
		id pgtype.UUID // binary; uuid.UUID would be scanned from text
	)
	err := row.Scan(&e.Position, &e.Commit, &e.StreamID, &e.Version, &id,
		&e.Type, &e.SchemaVersion, &e.Data, &e.Metadata, &e.RecordedAt, &e.Hash)
	e.ID = id.Bytes
	e.RecordedAt = e.RecordedAt.UTC()
	return e, err
}
