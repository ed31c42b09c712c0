package eventstore

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// EventData is an event to append.
type EventData struct {
	// ID identifies the event forever. Zero asks the store for a new one.
	ID            uuid.UUID
	Type          string
	SchemaVersion int
	// Data and Metadata are JSON documents, stored byte for byte: the hash
	// covers exactly these bytes.
	Data     []byte
	Metadata []byte
}

// RecordedEvent is an event as the log holds it.
type RecordedEvent struct {
	// Position is the event's global position: unique and increasing in
	// the order the store assigned it, which is not always commit order.
	Position int64
	// Commit orders appends in the global feed; events of one append share
	// it. See Cursor.
	Commit        uint64
	StreamID      string
	Version       int64
	ID            uuid.UUID
	Type          string
	SchemaVersion int
	Data          []byte
	Metadata      []byte
	// RecordedAt is the append's time, in UTC with microsecond precision.
	RecordedAt time.Time
	// Hash chains the event to the previous one of its stream (ChainHash).
	Hash []byte
}

// Cursor returns the feed position just after this event.
func (e *RecordedEvent) Cursor() Cursor { return Cursor{Commit: e.Commit, Position: e.Position} }

// Metadata is what fbsession writes into an event's metadata: who caused the
// event and which request did.
type Metadata struct {
	// Actor is the id of the authenticated user who caused the event.
	Actor string `json:"actor,omitempty"`
	// ReferenceID is the referenceId answered to the request and carried by
	// its notification.
	ReferenceID int64 `json:"referenceId,omitempty"`
	// RequestID identifies the HTTP request (X-Request-Id), the request
	// and correlation id SPEC asks events to record.
	RequestID string `json:"requestId,omitempty"`
	// IdempotencyKey is the client's Idempotency-Key header: a retry with
	// the same key by the same actor is answered from these events.
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
}

// DecodeMetadata reads the metadata of a recorded event.
func DecodeMetadata(raw []byte) (Metadata, error) {
	var m Metadata
	if len(raw) == 0 {
		return m, nil
	}
	err := json.Unmarshal(raw, &m)
	return m, err
}
