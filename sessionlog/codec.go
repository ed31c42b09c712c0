package sessionlog

import (
	"encoding/json"
	"errors"
	"fmt"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// SchemaVersion is the schema version of every event type this package
// writes. Decode accepts the versions it knows how to read.
const SchemaVersion = 1

// ErrUnknownEvent: Decode met an event type or schema version it cannot read.
var ErrUnknownEvent = errors.New("sessionlog: unknown event")

// Encode serialises an event for the store.
func Encode(e fb.Event) ([]byte, error) {
	var stored any
	switch e := e.(type) {
	case fb.SessionStarted:
		stored = sessionStarted{
			SessionID:           e.SessionID,
			AgentID:             e.AgentID,
			FacebooksessionType: e.FacebooksessionType,
			Comment:             e.Comment,
			ReceivedDate:        e.ReceivedDate,
			UserData:            e.UserData,
			Participants:        fromParticipants(e.Participants),
		}
	case fb.SessionEnded:
		stored = sessionEnded(e)
	case fb.InteractionCompleted:
		stored = interactionCompleted(e)
	case fb.QueuedTo:
		stored = queuedTo(e)
	default:
		return nil, fmt.Errorf("%w: cannot encode %T", ErrUnknownEvent, e)
	}
	data, err := json.Marshal(stored)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", e.EventType(), err)
	}
	return data, nil
}

// Decode reads an event written by Encode.
func Decode(eventType string, schemaVersion int, data []byte) (fb.Event, error) {
	if schemaVersion != SchemaVersion {
		return nil, fmt.Errorf("%w: %s schema version %d", ErrUnknownEvent, eventType, schemaVersion)
	}
	var (
		e   fb.Event
		err error
	)
	switch eventType {
	case fb.TypeSessionStarted:
		var s sessionStarted
		if err = json.Unmarshal(data, &s); err == nil {
			e = fb.SessionStarted{
				SessionID:           s.SessionID,
				AgentID:             s.AgentID,
				FacebooksessionType: s.FacebooksessionType,
				Comment:             s.Comment,
				ReceivedDate:        s.ReceivedDate,
				UserData:            s.UserData,
				Participants:        toParticipants(s.Participants),
			}
		}
	case fb.TypeSessionEnded:
		var s sessionEnded
		err = json.Unmarshal(data, &s)
		e = fb.SessionEnded(s)
	case fb.TypeInteractionCompleted:
		var s interactionCompleted
		err = json.Unmarshal(data, &s)
		e = fb.InteractionCompleted(s)
	case fb.TypeQueuedTo:
		var s queuedTo
		err = json.Unmarshal(data, &s)
		e = fb.QueuedTo(s)
	default:
		return nil, fmt.Errorf("%w: type %q", ErrUnknownEvent, eventType)
	}
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", eventType, err)
	}
	return e, nil
}
