package facebooksession

import "fmt"

// Decide returns the events that carry out cmd on state s, or why it cannot
// be carried out. Input is validated before the state is consulted, so a bad
// request gets the same answer whatever the session's state.
func Decide(s State, cmd Command) ([]Event, error) {
	switch cmd := cmd.(type) {
	case Start:
		return decideStart(s, cmd)
	case Complete:
		return decideComplete(s, cmd)
	default:
		return nil, fmt.Errorf("%w: unknown command %T", ErrInvalid, cmd)
	}
}

func decideStart(s State, cmd Start) ([]Event, error) {
	if err := validateStart(cmd); err != nil {
		return nil, err
	}
	if s.Status != StatusNone {
		return nil, fmt.Errorf("%w: session %s", ErrAlreadyExists, cmd.SessionID)
	}
	typ := cmd.FacebooksessionType
	if typ == "" {
		typ = DefaultType
	}
	userData := cmd.UserData
	if len(userData) == 0 {
		userData = []byte("{}")
	}
	participants := cmd.Participants
	if participants == nil {
		participants = []Participant{}
	}
	return []Event{SessionStarted{
		SessionID:           cmd.SessionID,
		AgentID:             cmd.AgentID,
		FacebooksessionType: typ,
		Comment:             cmd.Comment,
		ReceivedDate:        cmd.ReceivedDate,
		UserData:            userData,
		Participants:        participants,
	}}, nil
}

func decideComplete(s State, cmd Complete) ([]Event, error) {
	if cmd.QueueName != nil {
		if err := ValidateQueueName(*cmd.QueueName); err != nil {
			return nil, err
		}
	}
	switch {
	case s.Status == StatusNone:
		return nil, ErrNotFound
	case s.AgentID != cmd.By:
		return nil, ErrNotOwner
	case s.Status != StatusChatting:
		return nil, fmt.Errorf("%w: session %s is %s", ErrInvalidState, s.ID, s.Status)
	}
	events := make([]Event, 0, 2)
	if !s.Ended {
		events = append(events, SessionEnded{SessionID: s.ID})
	}
	if cmd.QueueName != nil {
		return append(events, QueuedTo{SessionID: s.ID, QueueName: *cmd.QueueName}), nil
	}
	return append(events, InteractionCompleted{SessionID: s.ID}), nil
}
