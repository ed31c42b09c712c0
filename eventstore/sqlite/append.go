package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fbsession/fbsession/eventstore"
)

// Append implements eventstore.Store.
func (s *Store) Append(ctx context.Context, p *eventstore.AppendParams) (*eventstore.AppendResult, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	events, err := s.append(ctx, p)
	if err != nil {
		return nil, interpretError(fmt.Errorf("append to %s: %w", p.StreamID, err))
	}
	s.wake.Broadcast()
	return &eventstore.AppendResult{Events: events}, nil
}

func (s *Store) append(ctx context.Context, p *eventstore.AppendParams) ([]eventstore.RecordedEvent, error) {
	tx, err := s.write.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock first
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	var head int64
	var prev []byte
	err = tx.QueryRowContext(ctx, headSQL, p.StreamID).Scan(&head, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if head != p.ExpectedVersion || len(p.Head) > 0 && !bytes.Equal(p.Head, prev) {
		return nil, &eventstore.ConcurrencyError{StreamID: p.StreamID, Expected: p.ExpectedVersion, Actual: head}
	}
	var commit int64
	if err := tx.QueryRowContext(ctx, nextCommitSQL).Scan(&commit); err != nil {
		return nil, err
	}
	events, err := eventstore.Seal(p, prev, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	stmt, err := tx.PrepareContext(ctx, insertSQL)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	for i := range events {
		e := &events[i]
		e.Commit = uint64(commit)
		err := stmt.QueryRowContext(ctx, commit, e.StreamID, e.Version, e.ID.String(), e.Type,
			e.SchemaVersion, string(e.Data), string(e.Metadata), e.RecordedAt.UnixMicro(), e.Hash).
			Scan(&e.Position)
		if err != nil {
			return nil, err
		}
	}
	if v := p.View; v != nil {
		args := []any{p.StreamID, events[len(events)-1].Version, v.ListKey, string(v.Document)}
		query := upsertViewKeepDetailSQL
		if !v.KeepDetail {
			detailVersion, err := v.StoredDetailVersion(events[len(events)-1].Version)
			if err != nil {
				return nil, err
			}
			query = upsertViewSQL
			args = append(args, nullText(v.Detail), detailVersion)
		}
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			return nil, err
		}
	}
	return events, tx.Commit()
}
