package audit

import (
	"errors"
	"fmt"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
)

// fold replays a stream's events into the session state.
func fold(events []eventstore.RecordedEvent) (fb.State, error) {
	var s fb.State
	for i := range events {
		e, err := fb.Decode(events[i].Type, events[i].SchemaVersion, events[i].Data)
		if errors.Is(err, fb.ErrUnknownEvent) {
			continue
		}
		if err != nil {
			return fb.State{}, fmt.Errorf("position %d: %w", events[i].Position, err)
		}
		s = fb.Evolve(s, e)
	}
	return s, nil
}

// viewOf is the view a stream's events make, as the append would have
// written it.
func viewOf(events []eventstore.RecordedEvent) (eventstore.StreamView, error) {
	s, err := fold(events)
	if err != nil {
		return eventstore.StreamView{}, err
	}
	v, err := commands.View(s)
	if err != nil {
		return eventstore.StreamView{}, err
	}
	last := &events[len(events)-1]
	return eventstore.StreamView{StreamID: last.StreamID, Version: last.Version, View: *v}, nil
}
