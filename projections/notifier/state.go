package notifier

import (
	"context"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/bytelru"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/sessionview"
)

// sessionStates gives the states of the sessions a page changes: each as it
// was before its first change in the page, or as a change leaves it when
// its view holds that. It follows the sessions it folds between pages.
type sessionStates struct {
	store StreamsReader
	// sessions holds open sessions as they were after the last change the
	// notifier saw, keyed by stream, without their user data, which a page
	// reads from the views when its notifications show it. An entry serves
	// only the change right after its version, so a stale one (a replayed
	// page, another process having projected meanwhile) is read afresh,
	// never trusted.
	sessions *bytelru.Cache[string, sessionview.Snapshot]
}

func newSessionStates(cfg *Config) *sessionStates {
	return &sessionStates{store: cfg.Store, sessions: bytelru.New[string](cfg.CachedSessions, cfg.CachedBytes, sessionview.Snapshot.Size)}
}

// follow keeps a session as its change at last left it, slim, for a next
// change its view has moved past by the time it is notified (a chat in
// full flow); a closed session is forgotten.
func (s *sessionStates) follow(last *eventstore.RecordedEvent, snap sessionview.Snapshot) {
	if snap.State.Closed() {
		s.sessions.Remove(last.StreamID)
		return
	}
	s.sessions.Add(last.StreamID, snap.Slimmed())
}

// statesBefore returns each session the changes touch as it was just
// before its first change in the batch: from the cache when it holds that
// version, with the user data its view keeps when the changes need it;
// otherwise folded from the streams, all read in one query. The records it
// read of the streams in keep are returned too.
func (s *sessionStates) statesBefore(ctx context.Context, batch [][]eventstore.RecordedEvent, views map[string]*eventstore.StreamView, keep map[string]bool) (map[string]*sessionview.Snapshot, map[string][]eventstore.RecordedEvent, error) {
	first := map[string]int64{}
	states := map[string]*sessionview.Snapshot{}
	kept := map[string][]eventstore.RecordedEvent{}
	need := needUserData(batch)
	var missing, userData []string
	for _, change := range batch {
		id := change[0].StreamID
		if _, seen := first[id]; seen {
			continue
		}
		if _, isSession := sessionlog.SessionID(id); !isSession {
			continue
		}
		first[id] = change[0].Version
		if change[0].Version == 1 {
			states[id] = &sessionview.Snapshot{} // a new session: nothing before
			continue
		}
		if c, ok := s.sessions.Peek(id); ok && c.Version == change[0].Version-1 {
			states[id] = &c
			if c.HasUserData() && need[id] {
				userData = append(userData, id)
			}
			continue
		}
		states[id] = &sessionview.Snapshot{}
		missing = append(missing, id)
	}
	for _, id := range withUserData(userData, views, states) {
		states[id] = &sessionview.Snapshot{}
		missing = append(missing, id)
	}
	if len(missing) == 0 {
		return states, kept, nil
	}
	records, err := s.store.ReadStreams(ctx, &eventstore.ReadStreamsParams{StreamIDs: missing})
	if err != nil {
		return nil, nil, err
	}
	for i := range records {
		r := &records[i]
		if keep[r.StreamID] {
			kept[r.StreamID] = append(kept[r.StreamID], *r)
		}
		if r.Version >= first[r.StreamID] {
			continue
		}
		st := states[r.StreamID]
		if *st, _, err = st.EvolveRecord(r); err != nil {
			return nil, nil, err
		}
	}
	return states, kept, nil
}

// What the notifier takes from the views of the sessions a page changes:
// the state a change leaves, when the view holds it, and the user data the
// states it keeps leave out.

// withUserData puts into the slim states of the sessions ids the user data
// their views keep, when it is what they held just before their first
// change (sessionview.Snapshot.WithUserDataOf). It returns the sessions
// whose views cannot tell, whose streams must be read: their user data
// changed since (this notifier lags), or the view is stored whole.
func withUserData(ids []string, views map[string]*eventstore.StreamView, states map[string]*sessionview.Snapshot) (unknown []string) {
	for _, id := range ids {
		filled, ok := states[id].WithUserDataOf(views[id])
		if !ok {
			unknown = append(unknown, id)
			continue
		}
		*states[id] = filled
	}
	return unknown
}

// readViews reads the views of the sessions a batch changes, at once.
func (s *sessionStates) readViews(ctx context.Context, batch [][]eventstore.RecordedEvent) (map[string]*eventstore.StreamView, error) {
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
		read, err := s.store.ReadViews(ctx, &eventstore.ReadViewsParams{StreamIDs: part})
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
				fb.TypeAgentTypingStopped, fb.TypeSessionFocused, fb.TypeMessageSending, fb.TypeMessageRelayed,
				fb.TypeMessageUndeliverable, fb.TypeCustomerRead, fb.TypeMessagesDelivered:
			default:
				need[change[i].StreamID] = true
			}
		}
	}
	return need
}
