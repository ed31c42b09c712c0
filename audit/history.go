package audit

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
)

// Entry is one event of a session's history.
type Entry struct {
	Position    int64     `json:"position"`
	Version     int64     `json:"version"`
	Time        time.Time `json:"time"`
	Type        string    `json:"type"`
	Actor       string    `json:"actor,omitempty"`
	ReferenceID int64     `json:"referenceId,omitempty"`
	RequestID   string    `json:"requestId,omitempty"`
	Queue       string    `json:"queue,omitempty"`
	EventID     string    `json:"eventId"`
	Hash        string    `json:"hash"`
	// Verified tells whether the event's hash verifies and chains to the
	// previous event; once one fails, every later one is unverified.
	Verified bool   `json:"verified"`
	Problem  string `json:"problem,omitempty"`
}

// ErrNoSession: the session has no events.
var ErrNoSession = errors.New("audit: no such session")

// History returns every event of a session in order, with who caused it
// and whether its hash verifies.
func History(ctx context.Context, s eventstore.Store, sessionID string) ([]Entry, error) {
	events, err := readSession(ctx, s, sessionID)
	if err != nil {
		return nil, err
	}
	v := eventstore.NewChainVerifier(sessionlog.StreamID(sessionID))
	broken := ""
	out := make([]Entry, len(events))
	for i := range events {
		e := &events[i]
		meta, _ := sessionlog.DecodeMetadata(e.Metadata)
		entry := Entry{
			Position: e.Position, Version: e.Version, Time: e.RecordedAt, Type: e.Type,
			Actor: meta.Actor, ReferenceID: meta.ReferenceID, RequestID: meta.RequestID,
			EventID: e.ID.String(), Hash: hex.EncodeToString(e.Hash),
		}
		if ev, err := sessionlog.Decode(e.Type, e.SchemaVersion, e.Data); err == nil {
			if q, ok := ev.(fb.QueuedTo); ok {
				entry.Queue = q.QueueName
			}
		}
		if broken == "" {
			if err := v.Next(e); err != nil {
				var ce *eventstore.ChainError
				if errors.As(err, &ce) {
					broken = ce.Reason
				} else {
					broken = err.Error()
				}
				entry.Problem = broken
			} else {
				entry.Verified = true
			}
		} else {
			entry.Problem = "after a broken link"
		}
		out[i] = entry
	}
	return out, nil
}

// StateAt folds a session up to a time (at, when not zero) or a version
// (when > 0), and returns the state and the version it reflects.
func StateAt(ctx context.Context, s eventstore.Store, sessionID string, at time.Time, version int64) (fb.State, int64, error) {
	events, err := readSession(ctx, s, sessionID)
	if err != nil {
		return fb.State{}, 0, err
	}
	n := 0
	for n < len(events) && (at.IsZero() || !events[n].RecordedAt.After(at)) && (version <= 0 || events[n].Version <= version) {
		n++
	}
	if n == 0 {
		return fb.State{}, 0, fmt.Errorf("%w at that point: it starts at %s (version 1)", ErrNoSession, events[0].RecordedAt.Format(time.RFC3339Nano))
	}
	state, err := sessionlog.FoldRecords(events[:n])
	return state, events[n-1].Version, err
}

func readSession(ctx context.Context, s eventstore.Store, sessionID string) ([]eventstore.RecordedEvent, error) {
	events, err := s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(sessionID)})
	if errors.Is(err, eventstore.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNoSession, sessionID)
	}
	return events, err
}
