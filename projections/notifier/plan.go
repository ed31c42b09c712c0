package notifier

import (
	"errors"
	"fmt"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/sessionview"
)

// plan is one change of a session with what its notifications are made
// of: the session after it, and what it records.
type plan struct {
	stream, sessionID string
	change            []eventstore.RecordedEvent
	after             fb.State
	// event is the change's last event, which tells what the change did;
	// nil when this binary does not know its type.
	event fb.Event
	meta  sessionlog.Metadata
}

func (p *plan) first() *eventstore.RecordedEvent { return &p.change[0] }
func (p *plan) last() *eventstore.RecordedEvent  { return &p.change[len(p.change)-1] }

// showsTranscript tells whether the change's notifications carry the
// messages so far: an Accept of a session that has some.
func (p *plan) showsTranscript() bool {
	_, accepted := p.event.(fb.OfferAccepted)
	return accepted && p.after.Messages > 0
}

// plan folds a change into its session's state and keeps the state after
// it for the next change. Nil for streams that are not sessions.
func (pl *planner) plan(states map[string]*sessionview.Snapshot, change []eventstore.RecordedEvent) (*plan, error) {
	last := &change[len(change)-1]
	sessionID, ok := sessionlog.SessionID(last.StreamID)
	if !ok {
		return nil, nil
	}
	s := states[last.StreamID]
	p := &plan{stream: last.StreamID, sessionID: sessionID, change: change}
	// Each event decoded once: the last one also tells the notes.
	for i := range change {
		var err error
		if *s, p.event, err = s.EvolveRecord(&change[i]); err != nil {
			return nil, err
		}
	}
	p.after = s.State
	pl.states.follow(last, *s)
	var err error
	if p.meta, err = sessionlog.DecodeMetadata(last.Metadata); err != nil {
		return nil, fmt.Errorf("metadata of %s v%d: %w", last.StreamID, last.Version, err)
	}
	return p, nil
}

// planFromView is plan for a change whose session's view is the state it
// leaves: read from the view rather than folded.
func (pl *planner) planFromView(v *eventstore.StreamView, change []eventstore.RecordedEvent) (*plan, error) {
	last := &change[len(change)-1]
	sessionID, _ := sessionlog.SessionID(last.StreamID)
	snap, err := sessionview.FromView(v)
	if err != nil {
		return nil, fmt.Errorf("view of %s v%d: %w", last.StreamID, v.Version, err)
	}
	p := &plan{stream: last.StreamID, sessionID: sessionID, change: change, after: snap.State}
	p.event, err = sessionlog.Decode(last.Type, last.SchemaVersion, last.Data)
	if errors.Is(err, sessionlog.ErrUnknownEvent) {
		p.event, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s v%d: %w", last.StreamID, last.Version, err)
	}
	if p.meta, err = sessionlog.DecodeMetadata(last.Metadata); err != nil {
		return nil, fmt.Errorf("metadata of %s v%d: %w", last.StreamID, last.Version, err)
	}
	pl.states.follow(last, snap)
	return p, nil
}
