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
	Nickname      string `json:"nickname"`
	Type          string `json:"type"`
	ID            string `json:"id"`
	Visibility    string `json:"visibility"`
	ParticipantID string `json:"participantId"`
}

// SessionStarted records that a session was handed to an agent.
type SessionStarted struct {
	SessionID           string          `json:"sessionId"`
	AgentID             string          `json:"agentId"`
	FacebooksessionType string          `json:"facebooksessionType"`
	Comment             string          `json:"comment,omitempty"`
	ReceivedDate        string          `json:"receivedDate,omitempty"`
	UserData            json.RawMessage `json:"userData"`
	Participants        []Participant   `json:"participants"`
}

// SessionEnded records that the customer's Facebook session was ended.
type SessionEnded struct {
	SessionID string `json:"sessionId"`
}

// InteractionCompleted records that the agent closed the interaction.
type InteractionCompleted struct {
	SessionID string `json:"sessionId"`
}

// QueuedTo records that the agent placed the interaction in a queue.
type QueuedTo struct {
	SessionID string `json:"sessionId"`
	QueueName string `json:"queueName"`
}

func (SessionStarted) EventType() string       { return TypeSessionStarted }
func (SessionEnded) EventType() string         { return TypeSessionEnded }
func (InteractionCompleted) EventType() string { return TypeInteractionCompleted }
func (QueuedTo) EventType() string             { return TypeQueuedTo }
