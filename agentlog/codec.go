package agentlog

import (
	"encoding/json"
	"errors"
	"fmt"

	as "github.com/fbsession/fbsession/domain/agentstate"
	"github.com/fbsession/fbsession/eventstore"
)

// SchemaVersion of every event type this package writes.
const SchemaVersion = 1

// ErrUnknownEvent: Decode met an event type or schema version it cannot
// read.
var ErrUnknownEvent = errors.New("agentlog: unknown event")

// The stored documents: their own types, so that the domain's can change
// without the log's.
type (
	channels struct {
		Channels []string `json:"channels"`
	}
	channel struct {
		Channel    string `json:"channel"`
		ReasonCode string `json:"reasonCode,omitempty"`
	}
	capacity struct {
		Channel  string `json:"channel"`
		Capacity int    `json:"capacity"`
	}
)

// Encode is the stored document of e.
func Encode(e as.Event) ([]byte, error) {
	switch e := e.(type) {
	case as.SessionStarted:
		return json.Marshal(channels{Channels: e.Channels})
	case as.SessionEnded:
		return json.Marshal(channels{Channels: e.Channels})
	case as.ChannelReady:
		return json.Marshal(channel{Channel: e.Channel})
	case as.ChannelNotReady:
		return json.Marshal(channel{Channel: e.Channel, ReasonCode: e.ReasonCode})
	case as.ChannelCapacitySet:
		return json.Marshal(capacity{Channel: e.Channel, Capacity: e.Capacity})
	}
	return nil, fmt.Errorf("%w: cannot encode %T", ErrUnknownEvent, e)
}

// EventData is e as the store appends it, without metadata.
func EventData(e as.Event) (eventstore.EventData, error) {
	body, err := Encode(e)
	if err != nil {
		return eventstore.EventData{}, err
	}
	return eventstore.EventData{Type: e.EventType(), SchemaVersion: SchemaVersion, Data: body}, nil
}

// Decode reads a stored event.
func Decode(eventType string, schemaVersion int, data []byte) (as.Event, error) {
	if schemaVersion != SchemaVersion {
		return nil, fmt.Errorf("%w: %s schema version %d", ErrUnknownEvent, eventType, schemaVersion)
	}
	switch eventType {
	case as.TypeSessionStarted, as.TypeSessionEnded:
		var d channels
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, fmt.Errorf("agentlog: %s: %w", eventType, err)
		}
		if eventType == as.TypeSessionStarted {
			return as.SessionStarted{Channels: d.Channels}, nil
		}
		return as.SessionEnded{Channels: d.Channels}, nil
	case as.TypeChannelReady, as.TypeChannelNotReady:
		var d channel
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, fmt.Errorf("agentlog: %s: %w", eventType, err)
		}
		if eventType == as.TypeChannelReady {
			return as.ChannelReady{Channel: d.Channel}, nil
		}
		return as.ChannelNotReady{Channel: d.Channel, ReasonCode: d.ReasonCode}, nil
	case as.TypeChannelCapacitySet:
		var d capacity
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, fmt.Errorf("agentlog: %s: %w", eventType, err)
		}
		return as.ChannelCapacitySet{Channel: d.Channel, Capacity: d.Capacity}, nil
	}
	return nil, fmt.Errorf("%w: type %q", ErrUnknownEvent, eventType)
}

// DecodeRecord reads a recorded event of an agent's stream.
func DecodeRecord(rec *eventstore.RecordedEvent) (as.Event, error) {
	e, err := Decode(rec.Type, rec.SchemaVersion, rec.Data)
	if err != nil {
		return nil, fmt.Errorf("%s v%d: %w", rec.StreamID, rec.Version, err)
	}
	return e, nil
}

// Evolve folds a recorded event into s. An event of a type or schema
// version this binary does not know leaves the state as it was, so that an
// older binary still folds a stream a newer one wrote (a rolling upgrade).
func Evolve(s as.State, rec *eventstore.RecordedEvent) (as.State, error) {
	e, err := DecodeRecord(rec)
	if errors.Is(err, ErrUnknownEvent) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	return as.Evolve(s, e), nil
}
