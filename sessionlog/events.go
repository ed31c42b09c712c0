package sessionlog

import (
	"encoding/json"
	"time"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// The stored forms of the events. Their JSON names are a format on disk:
// renaming one breaks every log already written, so they change only with a
// new schema version.

type participant struct {
	Nickname      string `json:"nickname"`
	Type          string `json:"type"`
	ID            string `json:"id"`
	Visibility    string `json:"visibility"`
	ParticipantID string `json:"participantId"`
}

type sessionStarted struct {
	SessionID           string          `json:"sessionId"`
	AgentID             string          `json:"agentId"`
	FacebooksessionType string          `json:"facebooksessionType"`
	Comment             string          `json:"comment,omitempty"`
	ReceivedDate        string          `json:"receivedDate,omitempty"`
	UserData            json.RawMessage `json:"userData"`
	Participants        []participant   `json:"participants"`
	// Status absent: the session started Chatting (startedStatus).
	Status             fb.Status `json:"state,omitempty"`
	SuggestedQueueURIs []string  `json:"suggestedQueueUris,omitempty"`
	QueueName          string    `json:"queueName,omitempty"`
	Channel            string    `json:"channel,omitempty"`
}

type sessionEnded struct {
	SessionID  string `json:"sessionId"`
	ByCustomer bool   `json:"byCustomer,omitempty"`
}

type interactionCompleted struct {
	SessionID string `json:"sessionId"`
}

type queuedTo struct {
	SessionID string `json:"sessionId"`
	QueueName string `json:"queueName"`
}

func fromParticipants(ps []fb.Participant) []participant {
	if ps == nil {
		return nil
	}
	out := make([]participant, len(ps))
	for i, p := range ps {
		out[i] = participant(p)
	}
	return out
}

func toParticipants(ps []participant) []fb.Participant {
	if ps == nil {
		return nil
	}
	out := make([]fb.Participant, len(ps))
	for i, p := range ps {
		out[i] = fb.Participant(p)
	}
	return out
}

type offerAccepted struct {
	AgentID  string `json:"agentId"`
	Nickname string `json:"nickname"`
}

type agentOnly struct {
	AgentID string `json:"agentId"`
}

// message is a transcript entry. Its time is UTC with nanoseconds, so the
// fold gives back the instant the service recorded.
type message struct {
	Index         int       `json:"index"`
	Nickname      string    `json:"nickname"`
	ParticipantID string    `json:"participantId,omitempty"`
	Text          string    `json:"text"`
	At            time.Time `json:"at"`
}

type agentMessageSent struct {
	AgentID string  `json:"agentId"`
	Message message `json:"message"`
}

type customerMessageReceived struct {
	Message message `json:"message"`
}

type transferredToAgent struct {
	FromAgentID string `json:"fromAgentId"`
	ToAgentID   string `json:"toAgentId"`
}

type transferredToQueue struct {
	FromAgentID string `json:"fromAgentId"`
	QueueName   string `json:"queueName"`
}

type userDataUpdated struct {
	UserData json.RawMessage `json:"userData"`
}

type userDataDeleted struct {
	Keys []string `json:"keys"`
}

type sessionRouted struct {
	AgentID  string           `json:"agentId"`
	Decision *routingDecision `json:"decision,omitempty"`
}

type routingDecision struct {
	Queue               string      `json:"queue"`
	Rule                string      `json:"rule"`
	WaitingSince        time.Time   `json:"waitingSince"`
	DecidedAt           time.Time   `json:"decidedAt"`
	OfferTimeoutSeconds int         `json:"offerTimeoutSeconds"`
	Candidates          []candidate `json:"candidates"`
	Members             int         `json:"members"`
}

type candidate struct {
	AgentID   string    `json:"agentId"`
	Status    string    `json:"status"`
	Load      int       `json:"load"`
	Capacity  int       `json:"capacity"`
	IdleSince time.Time `json:"idleSince,omitzero"`
	Chosen    bool      `json:"chosen,omitempty"`
	Reason    string    `json:"reason,omitempty"`
}

type offerTimedOut struct {
	AgentID          string `json:"agentId"`
	Offer            int    `json:"offer"`
	TimeoutSeconds   int    `json:"timeoutSeconds"`
	NoAnswerNotReady bool   `json:"noAnswerNotReady,omitempty"`
}

func fromDecision(d *fb.RoutingDecision) *routingDecision {
	if d == nil {
		return nil
	}
	out := &routingDecision{
		Queue: d.Queue, Rule: d.Rule, WaitingSince: d.WaitingSince.UTC(), DecidedAt: d.DecidedAt.UTC(),
		OfferTimeoutSeconds: d.OfferTimeoutSeconds, Members: d.Members,
		Candidates: make([]candidate, len(d.Candidates)),
	}
	for i, c := range d.Candidates {
		out.Candidates[i] = candidate(c)
		out.Candidates[i].IdleSince = c.IdleSince.UTC()
	}
	return out
}

func toDecision(d *routingDecision) *fb.RoutingDecision {
	if d == nil {
		return nil
	}
	out := &fb.RoutingDecision{
		Queue: d.Queue, Rule: d.Rule, WaitingSince: d.WaitingSince, DecidedAt: d.DecidedAt,
		OfferTimeoutSeconds: d.OfferTimeoutSeconds, Members: d.Members,
		Candidates: make([]fb.Candidate, len(d.Candidates)),
	}
	for i, c := range d.Candidates {
		out.Candidates[i] = fb.Candidate(c)
	}
	return out
}

// The relay's events (Messenger).

type messageSending struct {
	Index         int    `json:"index"`
	Attempt       int    `json:"attempt"`
	MessagingType string `json:"messagingType,omitempty"`
	Tag           string `json:"tag,omitempty"`
}

type messageRelayed struct {
	Index         int    `json:"index"`
	MessageID     string `json:"messageId"`
	MessagingType string `json:"messagingType"`
	Tag           string `json:"tag,omitempty"`
}

type messageUndeliverable struct {
	Index  int    `json:"index"`
	Code   int    `json:"code"`
	Reason string `json:"reason"`
}

type receipt struct {
	Watermark time.Time `json:"watermark"`
}
