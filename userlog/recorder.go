package userlog

import (
	"context"
	"errors"
	"fmt"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/users"
)

// Recorder appends each change of a users.Directory to its user's stream
// (users.RecordTo).
type Recorder struct {
	Store eventstore.Store
}

// maxAttempts bounds the appends of one change that lose a race with
// another change of the same user.
const maxAttempts = 5

// Record implements users.ChangeLog.
func (r *Recorder) Record(ctx context.Context, c users.Change) error {
	event, err := Encode(c)
	if err != nil {
		return err
	}
	id := StreamID(c.UserID)
	for attempt := 1; ; attempt++ {
		version, head, err := r.head(ctx, id)
		if err != nil {
			return err
		}
		_, err = r.Store.Append(ctx, &eventstore.AppendParams{StreamID: id, ExpectedVersion: version, Head: head,
			Events: []eventstore.EventData{event}})
		var conflict *eventstore.ConcurrencyError
		if errors.As(err, &conflict) && attempt < maxAttempts {
			continue
		}
		if err != nil {
			return fmt.Errorf("userlog: record %s of %s: %w", c.Kind, c.UserID, err)
		}
		return nil
	}
}

// head is the version and hash of a stream's last event; NoStream and nil
// for a stream with none.
func (r *Recorder) head(ctx context.Context, id string) (int64, []byte, error) {
	events, err := r.Store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: id})
	if errors.Is(err, eventstore.ErrNotFound) {
		return eventstore.NoStream, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("userlog: read %s: %w", id, err)
	}
	last := &events[len(events)-1]
	return last.Version, last.Hash, nil
}
