package facebooksession

import "encoding/json"

// Command is one of the operations the aggregate decides on.
type Command interface{ isCommand() }

// Start hands a new session to an agent (the intake side of the API).
type Start struct {
	SessionID           string
	AgentID             string
	FacebooksessionType string // "Inbound" when empty
	Comment             string
	ReceivedDate        string
	// UserData is kept as the client's JSON object so that key order and
	// large integers survive untouched.
	UserData     json.RawMessage
	Participants []Participant
}

// Complete is the agent's Complete operation.
type Complete struct {
	// By is the user completing the session; only its agent may.
	By string
	// QueueName, when not nil, places the interaction in that queue instead
	// of closing it. A pointer because a queueName sent empty is an error,
	// not the same as no queueName.
	QueueName *string
}

func (Start) isCommand()    {}
func (Complete) isCommand() {}
