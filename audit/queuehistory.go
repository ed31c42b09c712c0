package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/queuelog"
	"github.com/fbsession/fbsession/sessionlog"
)

// ErrNoQueueHistory: the queue's stream has no events.
var ErrNoQueueHistory = errors.New("audit: no recorded changes of the queue")

// QueueHistory returns every recorded change of the queue named name in
// order, across its removals and additions again: who made it, the
// referenceId, what it set, and whether its hash verifies. The name is
// the stream's: a queue is looked up by name alone, since its id changes
// with each addition.
func QueueHistory(ctx context.Context, s eventstore.Store, name string) ([]Entry, error) {
	id := queuelog.StreamID(name)
	events, err := s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: id})
	if errors.Is(err, eventstore.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNoQueueHistory, name)
	}
	if err != nil {
		return nil, err
	}
	return entries(id, events, func(e *eventstore.RecordedEvent, entry *Entry) {
		meta, _ := sessionlog.DecodeMetadata(e.Metadata)
		entry.Actor, entry.ReferenceID, entry.RequestID = meta.Actor, meta.ReferenceID, meta.RequestID
		entry.Summary = queuelog.Summary(e)
	}), nil
}
