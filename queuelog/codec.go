package queuelog

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/eventstore"
)

// SchemaVersion of every event type this package writes.
const SchemaVersion = 1

// ErrUnknownEvent: Decode met an event type or schema version it cannot
// read.
var ErrUnknownEvent = errors.New("queuelog: unknown event")

// The stored documents: their own types, so that the domain's can change
// without the log's.
type (
	added struct {
		ID                  string `json:"id"`
		Name                string `json:"name"`
		OfferTimeoutSeconds int    `json:"offerTimeoutSeconds"`
		NoAnswerNotReady    bool   `json:"noAnswerNotReady"`
	}
	changed struct {
		OfferTimeoutSeconds int  `json:"offerTimeoutSeconds"`
		NoAnswerNotReady    bool `json:"noAnswerNotReady"`
	}
	removed struct{}
	members struct {
		Agents []string `json:"agents"`
	}
)

// Encode is the stored document of e.
func Encode(e queue.Event) ([]byte, error) {
	switch e := e.(type) {
	case queue.QueueAdded:
		return json.Marshal(added(e))
	case queue.QueueChanged:
		return json.Marshal(changed(e))
	case queue.QueueRemoved:
		return json.Marshal(removed{})
	case queue.QueueMembersAdded:
		return json.Marshal(members(e))
	case queue.QueueMembersRemoved:
		return json.Marshal(members(e))
	}
	return nil, fmt.Errorf("%w: cannot encode %T", ErrUnknownEvent, e)
}

// EventData is e as the store appends it; the command side adds the
// metadata.
func EventData(e queue.Event) (eventstore.EventData, error) {
	body, err := Encode(e)
	if err != nil {
		return eventstore.EventData{}, err
	}
	return eventstore.EventData{Type: e.EventType(), SchemaVersion: SchemaVersion, Data: body}, nil
}

// Decode reads a recorded event of a queue's stream. An event of a type
// or schema version this binary does not know is an ErrUnknownEvent.
func Decode(rec *eventstore.RecordedEvent) (queue.Event, error) {
	e, err := decode(rec.Type, rec.SchemaVersion, rec.Data)
	if err != nil {
		return nil, fmt.Errorf("%s v%d: %w", rec.StreamID, rec.Version, err)
	}
	return e, nil
}

func decode(eventType string, schemaVersion int, data []byte) (queue.Event, error) {
	if schemaVersion != SchemaVersion {
		return nil, fmt.Errorf("%w: %s schema version %d", ErrUnknownEvent, eventType, schemaVersion)
	}
	switch eventType {
	case queue.TypeQueueAdded:
		var d added
		err := unmarshal(eventType, data, &d)
		return queue.QueueAdded(d), err
	case queue.TypeQueueChanged:
		var d changed
		err := unmarshal(eventType, data, &d)
		return queue.QueueChanged(d), err
	case queue.TypeQueueRemoved:
		return queue.QueueRemoved{}, nil
	case queue.TypeQueueMembersAdded:
		var d members
		err := unmarshal(eventType, data, &d)
		return queue.QueueMembersAdded(d), err
	case queue.TypeQueueMembersRemoved:
		var d members
		err := unmarshal(eventType, data, &d)
		return queue.QueueMembersRemoved(d), err
	}
	return nil, fmt.Errorf("%w: type %q", ErrUnknownEvent, eventType)
}

func unmarshal(eventType string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("queuelog: %s: %w", eventType, err)
	}
	return nil
}

// Evolve folds a recorded event into s. An event of a type or schema
// version this binary does not know leaves the state as it was, so that an
// older binary still folds a stream a newer one wrote (a rolling upgrade).
func Evolve(s queue.State, rec *eventstore.RecordedEvent) (queue.State, error) {
	e, err := Decode(rec)
	if errors.Is(err, ErrUnknownEvent) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	return queue.Evolve(s, e), nil
}

// Fold is the state a whole stream leaves.
func Fold(records []eventstore.RecordedEvent) (queue.State, error) {
	var (
		s   queue.State
		err error
	)
	for i := range records {
		if s, err = Evolve(s, &records[i]); err != nil {
			return s, err
		}
	}
	return s, nil
}
