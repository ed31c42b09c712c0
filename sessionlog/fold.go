package sessionlog

import (
	"errors"
	"fmt"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
)

// EvolveRecord applies a stored event to a session state. An event of a
// type or schema version this binary does not know leaves the state as it
// was, so that an older binary can still fold a log a newer one wrote.
func EvolveRecord(s fb.State, r *eventstore.RecordedEvent) (fb.State, error) {
	s, _, err := EvolveDecoded(s, r)
	return s, err
}

// EvolveDecoded is EvolveRecord that also returns the event it decoded,
// nil for one this binary does not know, for callers that read the event
// too: each event is decoded once.
func EvolveDecoded(s fb.State, r *eventstore.RecordedEvent) (fb.State, fb.Event, error) {
	e, err := Decode(r.Type, r.SchemaVersion, r.Data)
	if errors.Is(err, ErrUnknownEvent) {
		return s, nil, nil
	}
	if err != nil {
		return s, nil, fmt.Errorf("%s v%d (position %d): %w", r.StreamID, r.Version, r.Position, err)
	}
	return fb.Evolve(s, e), e, nil
}

// FoldRecords folds a stream's stored events, in version order.
func FoldRecords(records []eventstore.RecordedEvent) (fb.State, error) {
	var s fb.State
	for i := range records {
		var err error
		if s, err = EvolveRecord(s, &records[i]); err != nil {
			return fb.State{}, err
		}
	}
	return s, nil
}
