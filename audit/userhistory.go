package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/userlog"
)

// ErrNoUserHistory: the user's stream has no events.
var ErrNoUserHistory = errors.New("audit: no recorded changes of the user")

// UserHistory returns every recorded change of a user in order: who made
// it, what it set, and whether its hash verifies.
func UserHistory(ctx context.Context, s eventstore.Store, userID string) ([]Entry, error) {
	id := userlog.StreamID(userID)
	events, err := s.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: id})
	if errors.Is(err, eventstore.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNoUserHistory, userID)
	}
	if err != nil {
		return nil, err
	}
	return entries(id, events, func(e *eventstore.RecordedEvent, entry *Entry) {
		if _, meta, err := userlog.Decode(e); err == nil {
			entry.Actor = meta.Actor
		}
		entry.Summary = userlog.Summary(e)
	}), nil
}
