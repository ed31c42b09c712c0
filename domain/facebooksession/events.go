package facebooksession

import (
	"encoding/json"
	"time"
)

// Event is one fact in a session's stream. The set is closed: Evolve and the
// codec switch over exactly these types.
type Event interface{ EventType() string }

// Event type names as stored in the log. They are part of the audit record:
// never rename one, add a new type or a schema version instead.
const (
	TypeSessionStarted          = "SessionStarted"
	TypeSessionEnded            = "SessionEnded"
	TypeInteractionCompleted    = "InteractionCompleted"
	TypeQueuedTo                = "QueuedTo"
	TypeOfferAccepted           = "OfferAccepted"
	TypeOfferRejected           = "OfferRejected"
	TypeAgentMessageSent        = "AgentMessageSent"
	TypeCustomerMessageReceived = "CustomerMessageReceived"
	TypeAgentTypingStarted      = "AgentTypingStarted"
	TypeAgentTypingStopped      = "AgentTypingStopped"
	TypeTransferredToAgent      = "TransferredToAgent"
	TypeTransferredToQueue      = "TransferredToQueue"
	TypeAgentLeft               = "AgentLeft"
	TypeSessionFocused          = "SessionFocused"
	TypeUserDataUpdated         = "UserDataUpdated"
	TypeUserDataDeleted         = "UserDataDeleted"
	TypeSessionRouted           = "SessionRouted"
	TypeSessionWithdrawn        = "SessionWithdrawn"
	TypeOfferTimedOut           = "OfferTimedOut"
)

// Participant types the service itself writes.
const (
	ParticipantAgent    = "Agent"
	ParticipantCustomer = "Customer"
	VisibilityAll       = "All"
)

// Participant is a party of the Facebook conversation, as the API shows it.
type Participant struct {
	Nickname      string
	Type          string
	ID            string
	Visibility    string
	ParticipantID string
}

// SessionStarted records that a session was handed to an agent.
type SessionStarted struct {
	SessionID           string
	AgentID             string
	FacebooksessionType string
	Comment             string
	ReceivedDate        string
	UserData            json.RawMessage
	Participants        []Participant
	// Status is Invited or Chatting; the stored events that lack it are
	// read as Chatting (sessionlog).
	Status             Status
	SuggestedQueueURIs []string
	// QueueName is the queue an intake placed the session in, for the
	// router, when it named no agent; the session then starts Completed
	// with no agent, as a session queued later waits.
	QueueName string
	// Channel is the connector that started the session, if any
	// (ChannelMessenger).
	Channel string
}

// SessionEnded records that the customer's Facebook session was ended: by
// the agent's Complete, or by the customer (ByCustomer), who then leaves
// the participants.
type SessionEnded struct {
	SessionID  string
	ByCustomer bool
}

// InteractionCompleted records that the agent closed the interaction.
type InteractionCompleted struct {
	SessionID string
}

// QueuedTo records that the agent completed the interaction into a queue.
type QueuedTo struct {
	SessionID string
	QueueName string
}

// OfferAccepted records that the agent joined the session offered to them.
type OfferAccepted struct {
	AgentID  string
	Nickname string
}

// OfferRejected records that the agent declined the offer.
type OfferRejected struct {
	AgentID string
}

// Message is one entry of the transcript, as an event records it.
type Message struct {
	// Index counts the session's messages from 1.
	Index         int
	Nickname      string
	ParticipantID string
	Text          string
	At            time.Time
}

// AgentMessageSent records a message the agent wrote.
type AgentMessageSent struct {
	AgentID string
	Message Message
}

// CustomerMessageReceived records a message the customer wrote.
type CustomerMessageReceived struct {
	Message Message
}

// AgentTypingStarted and AgentTypingStopped record the agent's typing
// indicators, which are relayed to the connector and are not messages.
type (
	AgentTypingStarted struct{ AgentID string }
	AgentTypingStopped struct{ AgentID string }
)

// TransferredToAgent records that the agent handed the session to another,
// who is offered it.
type TransferredToAgent struct {
	FromAgentID string
	ToAgentID   string
}

// TransferredToQueue records that the agent handed the session to a queue,
// where it waits for routing.
type TransferredToQueue struct {
	FromAgentID string
	QueueName   string
}

// AgentLeft records that the agent left a session the customer is still
// in; it waits for routing.
type AgentLeft struct {
	AgentID string
}

// SessionFocused records that the agent's desktop showed the session.
type SessionFocused struct {
	AgentID string
}

// UserDataUpdated records keys merged into the user data, as sent.
type UserDataUpdated struct {
	UserData json.RawMessage
}

// UserDataDeleted records keys removed from the user data.
type UserDataDeleted struct {
	Keys []string
}

// SessionRouted records that the routing side offered a waiting session to
// an agent, with the router's decision when the router made it.
type SessionRouted struct {
	AgentID  string
	Decision *RoutingDecision
}

// OfferTimedOut records that the agent let an offer run out: the session
// waits for routing again, in its place. NoAnswerNotReady records the
// queue's rule then: the agent is owed a NotReady with reason NoAnswer,
// which the router sets (and sets again after a crash, from this event).
type OfferTimedOut struct {
	AgentID          string
	Offer            int
	TimeoutSeconds   int
	NoAnswerNotReady bool
}

// SessionWithdrawn records that a session was taken back from its agent
// to wait for routing.
type SessionWithdrawn struct {
	AgentID string
}

func (SessionStarted) EventType() string          { return TypeSessionStarted }
func (SessionEnded) EventType() string            { return TypeSessionEnded }
func (InteractionCompleted) EventType() string    { return TypeInteractionCompleted }
func (QueuedTo) EventType() string                { return TypeQueuedTo }
func (OfferAccepted) EventType() string           { return TypeOfferAccepted }
func (OfferRejected) EventType() string           { return TypeOfferRejected }
func (AgentMessageSent) EventType() string        { return TypeAgentMessageSent }
func (CustomerMessageReceived) EventType() string { return TypeCustomerMessageReceived }
func (AgentTypingStarted) EventType() string      { return TypeAgentTypingStarted }
func (AgentTypingStopped) EventType() string      { return TypeAgentTypingStopped }
func (TransferredToAgent) EventType() string      { return TypeTransferredToAgent }
func (TransferredToQueue) EventType() string      { return TypeTransferredToQueue }
func (AgentLeft) EventType() string               { return TypeAgentLeft }
func (SessionFocused) EventType() string          { return TypeSessionFocused }
func (UserDataUpdated) EventType() string         { return TypeUserDataUpdated }
func (UserDataDeleted) EventType() string         { return TypeUserDataDeleted }
func (SessionRouted) EventType() string           { return TypeSessionRouted }
func (SessionWithdrawn) EventType() string        { return TypeSessionWithdrawn }
func (OfferTimedOut) EventType() string           { return TypeOfferTimedOut }
