package notifier

import (
	"encoding/json"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/sessionlog"
)

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
func (pl *planner) notes(p *plan, records []eventstore.RecordedEvent) ([]note, error) {
	ref, a := p.meta.ReferenceID, p.after
	resource := func(s fb.State) gws.Resource { return gws.ResourceOf(s, pl.baseURL) }
	statusChange := func(agent string, s fb.State) note {
		return note{agent: agent, body: gws.StatusChange(ref, resource(s))}
	}
	uri := gws.URI(pl.baseURL, p.sessionID)
	switch e := p.event.(type) {
	case fb.SessionFocused:
		return nil, nil // for reporting: nobody sees a change
	case fb.AgentTypingStarted:
		return []note{pl.typing(p, gws.MessageTypingStarted, e.AgentID)}, nil
	case fb.AgentTypingStopped:
		return []note{pl.typing(p, gws.MessageTypingStopped, e.AgentID)}, nil
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
		parts, err := split(msgs, pl.maxMessagesBytes)
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
func (pl *planner) typing(p *plan, kind, agentID string) note {
	nickname := fb.AgentNickname(p.after, agentID)
	msg := gws.Typing(kind, nickname, agentID, p.last().RecordedAt)
	return note{agent: agentID, integrationOnly: true,
		body: gws.NewMessages(p.meta.ReferenceID, gws.URI(pl.baseURL, p.sessionID), []gws.Message{msg})}
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
