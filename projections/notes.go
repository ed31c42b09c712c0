package projections

import (
	"encoding/json"
	"errors"
	"fmt"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/gws"
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
func (n *Notifier) plan(states map[string]*folding, change []eventstore.RecordedEvent) (*plan, error) {
	last := &change[len(change)-1]
	sessionID, ok := sessionlog.SessionID(last.StreamID)
	if !ok {
		return nil, nil
	}
	f := states[last.StreamID]
	s := &f.state
	p := &plan{stream: last.StreamID, sessionID: sessionID, change: change}
	// Each event decoded once: the last one also tells the notes.
	for i := range change {
		var err error
		if *s, p.event, err = sessionlog.EvolveDecoded(*s, &change[i]); err != nil {
			return nil, err
		}
	}
	p.after = *s
	n.follow(last, *s, f.userDataElided || len(s.UserData) > 0)
	var err error
	if p.meta, err = sessionlog.DecodeMetadata(last.Metadata); err != nil {
		return nil, fmt.Errorf("metadata of %s v%d: %w", last.StreamID, last.Version, err)
	}
	return p, nil
}

// planFromView is plan for a change whose session's view is the state it
// leaves: read from the view rather than folded.
func (n *Notifier) planFromView(v *eventstore.StreamView, change []eventstore.RecordedEvent) (*plan, error) {
	last := &change[len(change)-1]
	sessionID, _ := sessionlog.SessionID(last.StreamID)
	after, err := sessionview.Decode(&v.View)
	if err != nil {
		return nil, fmt.Errorf("view of %s v%d: %w", last.StreamID, v.Version, err)
	}
	p := &plan{stream: last.StreamID, sessionID: sessionID, change: change, after: after}
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
	n.follow(last, after, len(after.UserData) > 0)
	return p, nil
}

// follow keeps a session's state after its change at last, without its
// user data, for a next change its view has moved past by the time it is
// notified (a chat in full flow); a closed session is forgotten.
func (n *Notifier) follow(last *eventstore.RecordedEvent, s fb.State, hasUserData bool) {
	if s.Closed() {
		n.sessions.Remove(last.StreamID)
		return
	}
	s.UserData = nil
	n.sessions.Add(last.StreamID, sessionAt{version: last.Version, state: s, hasUserData: hasUserData})
}

// note is one notification of a change.
type note struct {
	// agent is the agent it concerns: whose subject it goes to, and whom
	// the integration side's copy names. Empty when the session waits for
	// routing.
	agent string
	// integrationOnly: not for the agent (a typing indicator).
	integrationOnly bool
	body            any
}

// notes are a change's notifications, in the order they are published
// (SPEC section 6). records are the session's stream when the change
// shows the transcript (showsTranscript).
func (n *Notifier) notes(p *plan, records []eventstore.RecordedEvent) ([]note, error) {
	ref, a := p.meta.ReferenceID, p.after
	resource := func(s fb.State) gws.Resource { return gws.ResourceOf(s, n.cfg.BaseURL) }
	statusChange := func(agent string, s fb.State) note {
		return note{agent: agent, body: gws.StatusChange(ref, resource(s))}
	}
	uri := gws.URI(n.cfg.BaseURL, p.sessionID)
	switch e := p.event.(type) {
	case fb.SessionFocused:
		return nil, nil // for reporting: nobody sees a change
	case fb.AgentTypingStarted:
		return []note{n.typing(p, gws.MessageTypingStarted, e.AgentID)}, nil
	case fb.AgentTypingStopped:
		return []note{n.typing(p, gws.MessageTypingStopped, e.AgentID)}, nil
	case fb.OfferAccepted:
		notes := []note{
			statusChange(a.AgentID, a),
			{agent: a.AgentID, body: gws.ParticipantsUpdated(ref, resource(a))},
		}
		if !p.showsTranscript() {
			return notes, nil
		}
		said, err := sessionlog.Transcript(records, p.last().Version)
		if err != nil {
			return nil, err
		}
		if len(said) == 0 {
			return notes, nil
		}
		msgs := make([]gws.Message, len(said))
		for i, s := range said {
			msgs[i] = gws.MessageOf(s)
		}
		parts, err := split(msgs, n.cfg.MaxMessagesBytes)
		if err != nil {
			return nil, err
		}
		for _, part := range parts {
			notes = append(notes, note{agent: a.AgentID, body: gws.NewMessages(ref, uri, part)})
		}
		return notes, nil
	case fb.OfferRejected:
		// The session left its agent: Completed for them.
		return []note{statusChange(e.AgentID, a)}, nil
	case fb.AgentLeft:
		return []note{statusChange(e.AgentID, a)}, nil
	case fb.TransferredToQueue:
		return []note{statusChange(e.FromAgentID, a)}, nil
	case fb.TransferredToAgent:
		// Completed for the agent who handed it on, offered to the other.
		left := a
		left.Status = fb.StatusCompleted
		return []note{statusChange(e.FromAgentID, left), statusChange(a.AgentID, a)}, nil
	case fb.SessionRouted:
		return []note{statusChange(a.AgentID, a)}, nil
	case fb.AgentMessageSent, fb.CustomerMessageReceived:
		said, _ := fb.SaidIn(e)
		return []note{{agent: current(a), body: gws.NewMessages(ref, uri, []gws.Message{gws.MessageOf(said)})}}, nil
	case fb.UserDataUpdated, fb.UserDataDeleted:
		return []note{{agent: current(a), body: gws.PropertiesUpdated(ref, resource(a))}}, nil
	case fb.SessionEnded:
		if e.ByCustomer {
			return []note{{agent: current(a), body: gws.ParticipantsUpdated(ref, resource(a))}}, nil
		}
	}
	// An intake, a Complete (SessionEnded with InteractionCompleted or
	// QueuedTo: one change, one StatusChange), and what this binary does
	// not know.
	return []note{statusChange(a.AgentID, a)}, nil
}

// current is the agent a session is with, offered or chatting; none once
// it is completed or waits for routing.
func current(s fb.State) string {
	if s.Status == fb.StatusCompleted {
		return ""
	}
	return s.AgentID
}

// typing is an agent's typing indicator, for the integration side only,
// as a NewMessages of one message stamped with when it was recorded.
func (n *Notifier) typing(p *plan, kind, agentID string) note {
	nickname := agentID
	for _, part := range p.after.Participants {
		if part.Type == fb.ParticipantAgent && part.ID == agentID {
			nickname = part.Nickname
			break
		}
	}
	msg := gws.Typing(kind, nickname, agentID, p.last().RecordedAt)
	return note{agent: agentID, integrationOnly: true,
		body: gws.NewMessages(p.meta.ReferenceID, gws.URI(n.cfg.BaseURL, p.sessionID), []gws.Message{msg})}
}

// split cuts a transcript into parts of at most limit bytes of encoded
// messages, in order, each of one message at least: a long conversation
// shown at an Accept would not fit in one NATS message (1 MiB by default).
func split(msgs []gws.Message, limit int) ([][]gws.Message, error) {
	var parts [][]gws.Message
	start, size := 0, 0
	for i, m := range msgs {
		b, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		if i > start && size+len(b)+1 > limit {
			parts = append(parts, msgs[start:i])
			start, size = i, 0
		}
		size += len(b) + 1
	}
	return append(parts, msgs[start:]), nil
}
