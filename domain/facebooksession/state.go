package facebooksession

import "encoding/json"

// State is the fold of a session's events.
type State struct {
	ID                  string
	AgentID             string
	Status              Status
	FacebooksessionType string
	Comment             string
	ReceivedDate        string
	UserData            json.RawMessage
	Participants        []Participant
	// Ended tells whether the customer's Facebook session was ended.
	Ended bool
	// Queue is where the interaction was placed by Complete, if anywhere.
	Queue string
}

// Evolve applies one event. Unknown events leave the state unchanged so that
// an old binary can still fold a log written by a newer one.
func Evolve(s State, e Event) State {
	switch e := e.(type) {
	case SessionStarted:
		s = State{
			ID:                  e.SessionID,
			AgentID:             e.AgentID,
			Status:              StatusChatting,
			FacebooksessionType: e.FacebooksessionType,
			Comment:             e.Comment,
			ReceivedDate:        e.ReceivedDate,
			UserData:            e.UserData,
			Participants:        e.Participants,
		}
	case SessionEnded:
		s.Ended = true
	case InteractionCompleted:
		s.Status = StatusCompleted
	case QueuedTo:
		s.Status = StatusCompleted
		s.Queue = e.QueueName
	}
	return s
}

// Fold replays events from the zero state.
func Fold(events []Event) State {
	var s State
	for _, e := range events {
		s = Evolve(s, e)
	}
	return s
}
