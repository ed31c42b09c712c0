package facebooksession

import "fmt"

// A command is judged in this order: Validate, its input alone, so that a
// bad request gets the same answer whatever the session's state; then
// Authorize, whose session it is; then Decide, whether the operation is
// valid in the session's state, and its events. Handle runs the three; the
// command side runs them one by one, validating before it reads a state.

// Handle returns the events that carry out cmd on state s, or why it
// cannot be carried out, judged in the order above.
func Handle(s State, cmd Command) ([]Event, error) {
	if err := Validate(cmd); err != nil {
		return nil, err
	}
	if err := Authorize(s, cmd); err != nil {
		return nil, err
	}
	return Decide(s, cmd)
}

// Decide returns the events that carry out cmd, which Validate and
// Authorize accepted, on state s, or why the state does not allow it.
func Decide(s State, cmd Command) ([]Event, error) {
	if start, ok := cmd.(Start); ok {
		return decideStart(s, start)
	}
	switch cmd.(type) {
	case RelaySending, RelayOutcome, PageMessage, CustomerReceipt:
		return decideRelay(s, cmd)
	}
	if err := allowed(s, cmd); err != nil {
		return nil, err
	}
	switch cmd := cmd.(type) {
	case Complete:
		return decideComplete(s, cmd), nil
	case Accept:
		return []Event{OfferAccepted{AgentID: cmd.By, Nickname: cmd.Nickname}}, nil
	case Reject:
		return []Event{OfferRejected{AgentID: cmd.By}}, nil
	case SendMessage:
		if err := refuseLate(s, cmd.At); err != nil {
			return nil, err
		}
		return []Event{AgentMessageSent{AgentID: cmd.By, Message: Message{
			Index: s.Messages + 1, Nickname: AgentNickname(s, cmd.By), ParticipantID: cmd.By, Text: cmd.Text, At: cmd.At,
		}}}, nil
	case StartTyping:
		return []Event{AgentTypingStarted{AgentID: cmd.By}}, nil
	case StopTyping:
		return []Event{AgentTypingStopped{AgentID: cmd.By}}, nil
	case Transfer:
		return decideTransfer(cmd), nil
	case Leave:
		return []Event{AgentLeft{AgentID: cmd.By}}, nil
	case InFocus:
		return []Event{SessionFocused{AgentID: cmd.By}}, nil
	case UpdateUserData:
		if _, err := resultingUserData(mergeUserData(s.UserData, cmd.UserData)); err != nil {
			return nil, err
		}
		return []Event{UserDataUpdated{UserData: cmd.UserData}}, nil
	case DeleteUserData:
		return []Event{UserDataDeleted{Keys: cmd.Keys}}, nil
	case CustomerMessage:
		return []Event{CustomerMessageReceived{Message: customerMessage(s, cmd)}}, nil
	case CustomerLeft:
		return []Event{SessionEnded{SessionID: s.ID, ByCustomer: true}}, nil
	case Route:
		return []Event{SessionRouted{AgentID: cmd.AgentID, Decision: cmd.Decision}}, nil
	case TimeOut:
		return []Event{OfferTimedOut(cmd)}, nil
	case Withdraw:
		return []Event{SessionWithdrawn{AgentID: s.AgentID}}, nil
	}
	return nil, fmt.Errorf("%w: unknown command %T", ErrInvalid, cmd)
}

// Authorize tells whether cmd's actor may act on the session at all:
// ErrNotFound when there is no session, ErrNotOwner when an agent's
// command comes from anyone but the session's agent. The integration
// side's commands act on any session that exists; intake (Start) creates
// one, which Decide judges.
func Authorize(s State, cmd Command) error {
	if _, isStart := cmd.(Start); isStart {
		return nil
	}
	if s.Status == StatusNone {
		return ErrNotFound
	}
	if by, isAgent := agentOf(cmd); isAgent && s.AgentID != by {
		return ErrNotOwner
	}
	return nil
}

// agentOf is who sends an agent's command.
func agentOf(cmd Command) (by string, isAgent bool) {
	switch cmd := cmd.(type) {
	case Complete:
		return cmd.By, true
	case Accept:
		return cmd.By, true
	case Reject:
		return cmd.By, true
	case SendMessage:
		return cmd.By, true
	case StartTyping:
		return cmd.By, true
	case StopTyping:
		return cmd.By, true
	case Transfer:
		return cmd.By, true
	case Leave:
		return cmd.By, true
	case InFocus:
		return cmd.By, true
	case UpdateUserData:
		return cmd.By, true
	case DeleteUserData:
		return cmd.By, true
	}
	return "", false
}

// allowed checks the operation against the state: the capability table
// for the agent's, the session's life for the integration side's.
func allowed(s State, cmd Command) error {
	op := cmd.Operation()
	var ok bool
	full := s.Full()
	switch cmd.(type) {
	case CustomerMessage:
		ok = !s.Ended && !s.Closed() && !full
	case CustomerLeft:
		ok = !s.Ended && !s.Closed()
	case Route:
		ok = s.Routable() && s.Activity < MaxActivity+MaxHandovers
		if !ok && s.Routable() {
			return fmt.Errorf("%w: session %s holds the most events a session may (%d) and was handed over %d times since: it is not routed again", ErrInvalidState, s.ID, MaxActivity, MaxHandovers)
		}
	case TimeOut:
		// A stale timer: the offer was answered, or another one made.
		if c := cmd.(TimeOut); s.Status != StatusInvited || s.AgentID != c.AgentID || s.Offers != c.Offer {
			return fmt.Errorf("%w: session %s has no offer %d to %s running", ErrInvalidState, s.ID, c.Offer, c.AgentID)
		}
		ok = true
	case Withdraw:
		ok = s.Status == StatusInvited || s.Status == StatusChatting
		if c := cmd.(Withdraw); ok && c.AgentID != "" && c.AgentID != s.AgentID {
			return fmt.Errorf("%w: session %s is no longer %s's", ErrInvalidState, s.ID, c.AgentID)
		}
	default:
		ok = s.Allows(op)
	}
	switch {
	case !ok && full && s.Status.Allows(op):
		return fmt.Errorf("%w: session %s %s: it can only be accepted, rejected, left or completed", ErrInvalidState, s.ID, fullness(s))
	case !ok && full && op == OperationCustomerMessage:
		return fmt.Errorf("%w: session %s %s", ErrInvalidState, s.ID, fullness(s))
	case !ok:
		return &StateError{Operation: op, Status: s.Status}
	}
	return nil
}

// fullness says which bound a full session reached.
func fullness(s State) string {
	if s.Activity >= MaxActivity {
		return fmt.Sprintf("holds the most events a session may (%d)", MaxActivity)
	}
	return fmt.Sprintf("holds the most text a session may (%d bytes)", MaxLogBytes)
}

// Closed tells whether a Complete without a queue closed the session:
// nothing follows it.
func (s State) Closed() bool { return s.Status == StatusCompleted && !s.Routable() }

func decideStart(s State, cmd Start) ([]Event, error) {
	if s.Status != StatusNone {
		return nil, fmt.Errorf("%w: session %s", ErrAlreadyExists, cmd.SessionID)
	}
	typ := cmd.FacebooksessionType
	if typ == "" {
		typ = DefaultType
	}
	userData := Canonical(cmd.UserData)
	if len(userData) == 0 {
		userData = []byte("{}")
	}
	participants := cmd.Participants
	if participants == nil {
		participants = []Participant{}
	}
	status := cmd.Status
	switch {
	case cmd.QueueName != "":
		status = StatusCompleted // waits for the router, as a session queued later does
	case status == StatusNone:
		status = StatusInvited
	}
	return []Event{SessionStarted{
		SessionID:           cmd.SessionID,
		AgentID:             cmd.AgentID,
		FacebooksessionType: typ,
		Comment:             cmd.Comment,
		ReceivedDate:        cmd.ReceivedDate,
		UserData:            userData,
		Participants:        participants,
		Status:              status,
		SuggestedQueueURIs:  cmd.SuggestedQueueURIs,
		QueueName:           cmd.QueueName,
		Channel:             cmd.Channel,
	}}, nil
}

func decideComplete(s State, cmd Complete) []Event {
	events := make([]Event, 0, 2)
	if !s.Ended {
		events = append(events, SessionEnded{SessionID: s.ID})
	}
	if cmd.QueueName != nil {
		return append(events, QueuedTo{SessionID: s.ID, QueueName: *cmd.QueueName})
	}
	return append(events, InteractionCompleted{SessionID: s.ID})
}

func decideTransfer(cmd Transfer) []Event {
	if cmd.QueueName != nil {
		return []Event{TransferredToQueue{FromAgentID: cmd.By, QueueName: *cmd.QueueName}}
	}
	return []Event{TransferredToAgent{FromAgentID: cmd.By, ToAgentID: cmd.TargetAgent}}
}

// AgentNickname is how the agent appears in the transcript and in typing
// indicators: the nickname they accepted with, or their id for a session
// handed over already joined.
func AgentNickname(s State, agentID string) string {
	for _, p := range s.Participants {
		if p.Type == ParticipantAgent && p.ID == agentID {
			return p.Nickname
		}
	}
	return agentID
}

// customerMessage is a message from the session's customer: the first
// Customer participant, under the nickname the connector gave, or theirs
// by reference (NamedIn), so that a message does not copy it.
func customerMessage(s State, cmd CustomerMessage) Message {
	m := Message{Index: s.Messages + 1, Nickname: cmd.Nickname, Text: cmd.Text, At: cmd.At}
	for _, p := range s.Participants {
		if p.Type == ParticipantCustomer {
			m.ParticipantID = p.ParticipantID
			return m
		}
	}
	if m.Nickname == "" {
		m.Nickname = ParticipantCustomer
	}
	return m
}

// HandedTo is the agent cmd hands the session to, "" for none: one whom
// the directory must know as an agent who may take it.
func HandedTo(cmd Command) string {
	switch c := cmd.(type) {
	case Start:
		return c.AgentID
	case Transfer:
		return c.TargetAgent
	case Route:
		return c.AgentID
	}
	return ""
}
