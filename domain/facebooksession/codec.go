package facebooksession

import (
	"encoding/json"
	"errors"
	"fmt"
)

// SchemaVersion is the schema version of every event type this package
// writes. Decode accepts the versions it knows how to read.
const SchemaVersion = 1

// ErrUnknownEvent: Decode met an event type or schema version it cannot read.
var ErrUnknownEvent = errors.New("facebooksession: unknown event")

// StreamID is the event stream of a session.
func StreamID(sessionID string) string { return "facebooksession-" + sessionID }

// Encode serialises an event for the store.
func Encode(e Event) (data []byte, err error) {
	data, err = json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", e.EventType(), err)
	}
	return data, nil
}

// Decode reads an event written by Encode.
func Decode(eventType string, schemaVersion int, data []byte) (Event, error) {
	if schemaVersion != SchemaVersion {
		return nil, fmt.Errorf("%w: %s schema version %d", ErrUnknownEvent, eventType, schemaVersion)
	}
	var (
		e   Event
		err error
	)
	switch eventType {
	case TypeSessionStarted:
		e, err = unmarshal[SessionStarted](data)
	case TypeSessionEnded:
		e, err = unmarshal[SessionEnded](data)
	case TypeInteractionCompleted:
		e, err = unmarshal[InteractionCompleted](data)
	case TypeQueuedTo:
		e, err = unmarshal[QueuedTo](data)
	default:
		return nil, fmt.Errorf("%w: type %q", ErrUnknownEvent, eventType)
	}
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", eventType, err)
	}
	return e, nil
}

func unmarshal[E Event](data []byte) (Event, error) {
	var e E
	err := json.Unmarshal(data, &e)
	return e, err
}
