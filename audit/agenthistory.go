package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/fbsession/fbsession/agentlog"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
)

// ErrNoAgentHistory: the agent's channel stream has no events.
var ErrNoAgentHistory = errors.New("audit: no recorded channel changes of the agent")

// AgentHistory returns every recorded change of an agent's channels in
// order: who made it (the agent, a supervisor, or the administrator who
// set a capacity), the referenceId, what it set, and whether its hash
// verifies.
func AgentHistory(ctx context.Context, s eventstore.Store, agentID string) ([]Entry, error) {
	id := agentlog.StreamID(agentID)
	events, err := s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: id})
	if errors.Is(err, eventstore.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNoAgentHistory, agentID)
	}
	if err != nil {
		return nil, err
	}
	return entries(id, events, func(e *eventstore.RecordedEvent, entry *Entry) {
		meta, _ := sessionlog.DecodeMetadata(e.Metadata)
		entry.Actor, entry.ReferenceID, entry.RequestID = meta.Actor, meta.ReferenceID, meta.RequestID
		entry.Summary = agentlog.Summary(e)
	}), nil
}
