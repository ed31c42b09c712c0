package audit

import (
	"github.com/fbsession/fbsession/commands"
	"github.com/fbsession/fbsession/eventstore"
)

// viewOf is the view a stream's events make, as the append would have
// written it.
func viewOf(events []eventstore.RecordedEvent) (eventstore.StreamView, error) {
	s, err := commands.FoldRecords(events)
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
