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
	// Queue is where a Complete or a Transfer placed the interaction.
	Queue string `json:"queue,omitempty"`
	// Summary tells what the event did in one line (Summary); empty for
	// an event this binary cannot read.
	Summary string `json:"summary,omitempty"`
	EventID string `json:"eventId"`
	Hash    string `json:"hash"`
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
	var intake []fb.Participant // names the customer's messages; described in order
	return entries(sessionlog.StreamID(sessionID), events, func(e *eventstore.RecordedEvent, entry *Entry) {
		meta, _ := sessionlog.DecodeMetadata(e.Metadata)
		entry.Actor, entry.ReferenceID, entry.RequestID = meta.Actor, meta.ReferenceID, meta.RequestID
		if ev, err := sessionlog.Decode(e.Type, e.SchemaVersion, e.Data); err == nil {
			switch q := ev.(type) {
			case fb.QueuedTo:
				entry.Queue = q.QueueName
			case fb.TransferredToQueue:
				entry.Queue = q.QueueName
			case fb.SessionStarted:
				intake = q.Participants
			case fb.CustomerMessageReceived:
				q.Message = q.Message.NamedIn(intake)
				ev = q
			}
			entry.Summary = Summary(ev)
		}
	}), nil
}

// entries are a stream's events as history shows them: describe fills in
// what the stream's kind tells of each, entries whether its hash verifies.
func entries(streamID string, events []eventstore.RecordedEvent, describe func(*eventstore.RecordedEvent, *Entry)) []Entry {
	v := eventstore.NewChainVerifier(streamID)
	broken := ""
	out := make([]Entry, len(events))
	for i := range events {
		e := &events[i]
		entry := Entry{
			Position: e.Position, Version: e.Version, Time: e.RecordedAt, Type: e.Type,
			EventID: e.ID.String(), Hash: hex.EncodeToString(e.Hash),
		}
		describe(e, &entry)
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
	return out
}

// StateAt folds a session up to a time (at, when not zero) or a version
// (when > 0), and returns the state and the version it reflects.
func StateAt(ctx context.Context, s eventstore.Store, sessionID string, at time.Time, version int64) (fb.State, int64, error) {
	snap, err := SnapshotAt(ctx, s, sessionID, at, version)
	return snap.State, snap.Version, err
}

// Snapshot is a session as of a point of its history.
type Snapshot struct {
	State fb.State
	// Version is the last event folded, recorded at At.
	Version int64
	At      time.Time
	// Messages is the transcript up to Version.
	Messages []fb.Said
}

// SnapshotAt folds a session up to a time (at, when not zero) or a
// version (when > 0), as StateAt, with the transcript up to there.
func SnapshotAt(ctx context.Context, s eventstore.Store, sessionID string, at time.Time, version int64) (Snapshot, error) {
	events, err := readSession(ctx, s, sessionID)
	if err != nil {
		return Snapshot{}, err
	}
	n := 0
	for n < len(events) && (at.IsZero() || !events[n].RecordedAt.After(at)) && (version <= 0 || events[n].Version <= version) {
		n++
	}
	if n == 0 {
		return Snapshot{}, fmt.Errorf("%w at that point: it starts at %s (version 1)", ErrNoSession, events[0].RecordedAt.Format(time.RFC3339Nano))
	}
	last := &events[n-1]
	state, err := sessionlog.FoldRecords(events[:n])
	if err != nil {
		return Snapshot{Version: last.Version}, err
	}
	said, err := sessionlog.Transcript(events[:n], 0, nil)
	if err != nil {
		return Snapshot{Version: last.Version}, err
	}
	return Snapshot{State: state, Version: last.Version, At: last.RecordedAt, Messages: said}, nil
}

func readSession(ctx context.Context, s eventstore.Store, sessionID string) ([]eventstore.RecordedEvent, error) {
	events, err := s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(sessionID)})
	if errors.Is(err, eventstore.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNoSession, sessionID)
	}
	return events, err
}
