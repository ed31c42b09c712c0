package sessionview

import (
	"errors"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
)

// Of is the view a stream's events make, exactly as the append that wrote
// the last of them stored it: audits rebuild views with it and compare it
// with the stored ones.
func Of(events []eventstore.RecordedEvent) (eventstore.StreamView, error) {
	if len(events) == 0 {
		return eventstore.StreamView{}, errors.New("sessionview: a view of no events")
	}
	s, err := sessionlog.FoldRecords(events)
	if err != nil {
		return eventstore.StreamView{}, err
	}
	v, err := Encode(s)
	if err != nil {
		return eventstore.StreamView{}, err
	}
	last := &events[len(events)-1]
	return eventstore.StreamView{StreamID: last.StreamID, Version: last.Version, View: *v}, nil
}
