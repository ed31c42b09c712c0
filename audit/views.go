package audit

import (
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/queuelog"
	"github.com/fbsession/fbsession/queueview"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/sessionview"
)

// viewOf is the view a whole stream's events make, as the appends wrote
// it, and whether streams of its kind have one at all: sessions' and
// queues' do; users' and agents' do not.
func viewOf(events []eventstore.RecordedEvent) (eventstore.StreamView, bool, error) {
	id := events[0].StreamID
	if _, isSession := sessionlog.SessionID(id); isSession {
		v, err := sessionview.Of(events)
		return v, true, err
	}
	if queuelog.IsStream(id) {
		v, err := queueview.Of(events)
		return v, true, err
	}
	return eventstore.StreamView{}, false, nil
}

// viewDiffers tells how a stored view differs from the one folded of its
// stream (viewOf), or "" when it does not.
func viewDiffers(stored, folded *eventstore.StreamView) string {
	if queuelog.IsStream(folded.StreamID) {
		return queueview.Differs(stored, folded)
	}
	return sessionview.Differs(stored, folded)
}
