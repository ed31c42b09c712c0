package sessionview

import (
	"errors"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
)

// Of is the view a stream's events make, as the append that wrote the last
// of them stored it, joined (Join): audits rebuild views with it and
// compare it with the stored ones. Its DetailVersion is the version of the
// event that last set the user data, as appends store it.
func Of(events []eventstore.RecordedEvent) (eventstore.StreamView, error) {
	if len(events) == 0 {
		return eventstore.StreamView{}, errors.New("sessionview: a view of no events")
	}
	var s fb.State
	var changed int64 // the version whose event last set the user data
	for i := range events {
		r := &events[i]
		var err error
		if s, err = sessionlog.EvolveRecord(s, r); err != nil {
			return eventstore.StreamView{}, err
		}
		if fb.SetsUserData(r.Type) {
			changed = r.Version
		}
	}
	v, err := Encode(s)
	if err != nil {
		return eventstore.StreamView{}, err
	}
	v.DetailVersion = max(changed, 1)
	last := &events[len(events)-1]
	return eventstore.StreamView{StreamID: last.StreamID, Version: last.Version, View: *v}, nil
}
