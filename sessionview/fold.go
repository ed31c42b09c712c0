package sessionview

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/fbsession/fbsession/eventstore"
)

// Of is the view a stream's events make, as the append that wrote the last
// of them stored it, joined (Join): audits rebuild views with it and
// compare it with the stored ones (Differs).
func Of(events []eventstore.RecordedEvent) (eventstore.StreamView, error) {
	if len(events) == 0 {
		return eventstore.StreamView{}, errors.New("sessionview: a view of no events")
	}
	var s Snapshot
	for i := range events {
		var err error
		if s, _, err = s.EvolveRecord(&events[i]); err != nil {
			return eventstore.StreamView{}, err
		}
	}
	v, err := s.View()
	if err != nil {
		return eventstore.StreamView{}, err
	}
	v.DetailVersion = max(v.DetailVersion, 1)
	last := &events[len(events)-1]
	return eventstore.StreamView{StreamID: last.StreamID, Version: last.Version, View: *v}, nil
}

// Differs tells how a stored view differs from the one its stream folds
// to (Of), or "" when it does not. Versions are the caller's to compare.
func Differs(stored, folded *eventstore.StreamView) string {
	switch {
	case stored.ListKey != folded.ListKey || !sameDocument(&stored.View, &folded.View):
		return "read model differs from a fresh fold of the log"
	case stored.DetailVersion != 0 && stored.DetailVersion != folded.DetailVersion:
		// Readers trust the user data kept apart as unchanged since then.
		return fmt.Sprintf("read model's user data is said set at version %d, but the log last set it at %d", stored.DetailVersion, folded.DetailVersion)
	}
	return ""
}

// sameDocument tells whether a stored view is the one folded, whole: its
// user data, kept apart, in place.
func sameDocument(stored, folded *eventstore.View) bool {
	a, errA := Join(stored)
	b, errB := Join(folded)
	return errA == nil && errB == nil && bytes.Equal(a, b)
}
