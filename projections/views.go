package projections

import (
	"context"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/sessionview"
)

// What the notifier takes from the views of the sessions a page changes:
// the state a change leaves, when the view holds it, and the user data the
// states it keeps leave out.

// withUserData puts into the states of the sessions ids the user data
// their views keep, when it is what they held just before their first
// change (first): unchanged since before it (DetailVersion). It returns the
// sessions whose views cannot tell, whose streams must be read: their user
// data changed since (this notifier lags), or the view predates details.
func withUserData(ids []string, views map[string]*eventstore.StreamView, first map[string]int64, states map[string]*folding) (unknown []string) {
	for _, id := range ids {
		v, before := views[id], first[id]-1
		if v == nil || v.DetailVersion == 0 || v.DetailVersion > before || v.Version < before || !sessionview.DetailInPlace(&v.View) {
			unknown = append(unknown, id)
			continue
		}
		f := states[id]
		f.state.UserData, f.userDataElided = v.Detail, false
	}
	return unknown
}

// readViews reads the views of the sessions a batch changes, at once.
func (n *Notifier) readViews(ctx context.Context, batch [][]eventstore.RecordedEvent) (map[string]*eventstore.StreamView, error) {
	var ids []string
	seen := map[string]bool{}
	for _, change := range batch {
		id := change[0].StreamID
		if _, isSession := sessionlog.SessionID(id); isSession && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	views := make(map[string]*eventstore.StreamView, len(ids))
	for len(ids) > 0 {
		part := ids[:min(len(ids), eventstore.MaxReadViews)]
		ids = ids[len(part):]
		read, err := n.cfg.Store.ReadViews(ctx, &eventstore.ReadViewsParams{StreamIDs: part})
		if err != nil {
			return nil, err
		}
		for i := range read {
			views[read[i].StreamID] = &read[i]
		}
	}
	return views, nil
}

// viewedChanges tells, by index in the batch, the changes whose session's
// view is the state they leave: the one change of their session in the
// batch, and still its last. Their notifications are made from the view,
// with no fold; the others are folded.
func viewedChanges(batch [][]eventstore.RecordedEvent, views map[string]*eventstore.StreamView) []*eventstore.StreamView {
	changesOf := map[string]int{}
	for _, change := range batch {
		changesOf[change[0].StreamID]++
	}
	out := make([]*eventstore.StreamView, len(batch))
	for i, change := range batch {
		last := &change[len(change)-1]
		if v := views[last.StreamID]; v != nil && changesOf[last.StreamID] == 1 && v.Version == last.Version {
			out[i] = v
		}
	}
	return out
}

// needUserData tells which streams' changes in a batch read their user
// data: to fold it, or to show the session in a notification. Only
// messages, typing and focus do not: a type this binary does not know is
// taken to.
func needUserData(batch [][]eventstore.RecordedEvent) map[string]bool {
	need := map[string]bool{}
	for _, change := range batch {
		for i := range change {
			switch change[i].Type {
			case fb.TypeAgentMessageSent, fb.TypeCustomerMessageReceived, fb.TypeAgentTypingStarted,
				fb.TypeAgentTypingStopped, fb.TypeSessionFocused:
			default:
				need[change[i].StreamID] = true
			}
		}
	}
	return need
}

// folding is a session's state as a page folds it; userDataElided: its
// user data, which it has, was left out (sessionAt), as the page's changes
// do not read it.
type folding struct {
	state          fb.State
	userDataElided bool
}
