package facebooksession

import "encoding/json"

// Event is one fact in a session's stream. The set is closed: Evolve and the
// codec switch over exactly these types.
type Event interface{ EventType() string }

// Event type names as stored in the log. They are part of the audit record:
// never rename one, add a new type or a schema version instead.
const (
	TypeSessionStarted       = "SessionStarted"
	TypeSessionEnded         = "SessionEnded"
	TypeInteractionCompleted = "InteractionCompleted"
	TypeQueuedTo             = "QueuedTo"
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
}

// SessionEnded records that the customer's Facebook session was ended.
type SessionEnded struct {
	SessionID string
}

// InteractionCompleted records that the agent closed the interaction.
type InteractionCompleted struct {
	SessionID string
}

// QueuedTo records that the agent placed the interaction in a queue.
type QueuedTo struct {
	SessionID string
	QueueName string
}

func (SessionStarted) EventType() string       { return TypeSessionStarted }
func (SessionEnded) EventType() string         { return TypeSessionEnded }
func (InteractionCompleted) EventType() string { return TypeInteractionCompleted }
func (QueuedTo) EventType() string             { return TypeQueuedTo }
