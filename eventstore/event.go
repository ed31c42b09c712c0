package eventstore

import (
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
	// covers exactly these bytes. The store does not look inside either:
	// what metadata says is its writer's business.
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
