package notifier

import (
	"encoding/json"
	"fmt"

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
// (docs/API.md). records are the session's stream when the change
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
	case fb.MessageSending, fb.MessageRelayed:
		return nil, nil // the relay's bookkeeping
	case fb.MessageUndeliverable:
		// The agent is told in the session's messages, as a notice.
		text := fmt.Sprintf("Message %d was not delivered on Messenger (code %d): %s", e.Index, e.Code, e.Reason)
		return []note{{agent: current(a), body: gws.NewMessages(ref, uri, []gws.Message{gws.Notice(e.Index, text, p.last().RecordedAt)})}}, nil
	case fb.CustomerRead:
		return []note{{agent: current(a), body: gws.NewMessages(ref, uri, []gws.Message{gws.Receipt(gws.MessageRead, customerName(a), e.Watermark)})}}, nil
	case fb.MessagesDelivered:
		return []note{{agent: current(a), body: gws.NewMessages(ref, uri, []gws.Message{gws.Receipt(gws.MessageDelivered, customerName(a), e.Watermark)})}}, nil
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
		said, err := sessionlog.Transcript(records, p.last().Version, nil)
		if err != nil {
			return nil, err
		}
		if len(said) == 0 {
			return notes, nil
		}
		shown, err := catchUp(said, pl.catchUpMessages, pl.catchUpBytes)
		if err != nil {
			return nil, err
		}
		body := gws.NewMessages(ref, uri, shown)
		if len(shown) < a.Messages {
			body.TranscriptURI = gws.TranscriptURI(pl.baseURL, p.sessionID)
		}
		return append(notes, note{agent: a.AgentID, body: body}), nil
	case fb.OfferRejected:
		// The session left its agent: Completed for them.
		return []note{statusChange(e.AgentID, a)}, nil
	case fb.OfferTimedOut:
		return []note{statusChange(e.AgentID, a)}, nil
	case fb.AgentLeft:
		return []note{statusChange(e.AgentID, a)}, nil
	case fb.SessionWithdrawn:
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
		said.Message = said.Message.NamedIn(a.Participants)
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

// customerName is the session's customer's nickname.
func customerName(s fb.State) string {
	for _, p := range s.Participants {
		if p.Type == fb.ParticipantCustomer {
			return p.Nickname
		}
	}
	return fb.ParticipantCustomer
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

// catchUp is the end of a transcript an Accept shows: its last messages,
// at most max of them and limit bytes encoded, the last one always.
func catchUp(said []fb.Said, max, limit int) ([]gws.Message, error) {
	start, size := len(said), 0
	for start > 0 && len(said)-start < max {
		b, err := json.Marshal(gws.MessageOf(said[start-1]))
		if err != nil {
			return nil, err
		}
		if start < len(said) && size+len(b)+1 > limit {
			break
		}
		size += len(b) + 1
		start--
	}
	msgs := make([]gws.Message, 0, len(said)-start)
	for _, s := range said[start:] {
		msgs = append(msgs, gws.MessageOf(s))
	}
	return msgs, nil
}
