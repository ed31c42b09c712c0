package facebooksession

import (
	"encoding/json"
	"slices"
	"time"
)

// State is the fold of a session's events.
type State struct {
	ID string
	// AgentID is the agent the session is with: offered to, chatting with,
	// or completed by. Empty while it waits for routing after a Reject, a
	// Leave or a Transfer to a queue.
	AgentID             string
	Status              Status
	FacebooksessionType string
	Comment             string
	ReceivedDate        string
	UserData            json.RawMessage
	Participants        []Participant
	SuggestedQueueURIs  []string
	// Ended tells whether the customer's Facebook session was ended.
	Ended bool
	// Queue is where the interaction was placed by Complete or Transfer,
	// if anywhere, until it is routed again.
	Queue string
	// Offers counts the offers made of the session: to the agent of an
	// intake, of a transfer, of a Route. TimeOut names the one it ends.
	Offers int
	// Messages counts the transcript's messages: the next one is
	// Messages+1.
	Messages int
	// Activity counts the events of the session's life after it started
	// (messages, typing indicators, handovers, user data changes...): past
	// MaxActivity, only what ends or hands back the session is accepted.
	// The events of intake and Complete do not count, so a log written
	// before they were counted folds to 0.
	Activity int
	// LogBytes counts what the events of the session's life carry of its
	// clients' text (see MaxLogBytes). It is the log's, not the view's:
	// a state read from a view has 0.
	LogBytes int
	// Channel is the connector that started the session (ChannelMessenger),
	// and CustomerAt when the customer last wrote on it: its first message
	// (ReceivedDate), then each CustomerMessageReceived. The command side
	// folds them from the log; a view does not hold them.
	Channel    string
	CustomerAt time.Time
	// ReadUpTo and DeliveredUpTo are Messenger's watermarks: the Page's
	// messages sent at or before them were read by, or reached, the
	// customer. The view holds them, for the transcript's marks.
	ReadUpTo, DeliveredUpTo time.Time
}

// Full tells whether the session holds the most a session may: past it,
// only what ends or hands back the session is accepted.
func (s State) Full() bool { return s.Activity >= MaxActivity || s.LogBytes >= MaxLogBytes }

// Capabilities are the agent operations valid now: the capability table's
// row for the status, less what a session past MaxActivity no longer
// accepts. A loop of handovers past it then needs the routing side's
// Route at each turn.
func (s State) Capabilities() []string {
	caps := s.Status.Capabilities()
	if !s.Full() {
		return caps
	}
	return slices.DeleteFunc(caps, func(op string) bool { return !endsOrHandsBack(op) })
}

// Allows tells whether an agent operation is valid now, as Capabilities
// lists them, without making the list.
func (s State) Allows(operation string) bool {
	return s.Status.Allows(operation) && (!s.Full() || endsOrHandsBack(operation))
}

// endsOrHandsBack tells the agent operations a session past MaxActivity
// still accepts.
func endsOrHandsBack(operation string) bool {
	switch operation {
	case OperationAccept, OperationReject, OperationComplete, OperationLeave:
		return true
	}
	return false
}

// Routable tells whether the session waits for the routing side: rejected,
// left, or queued, but not closed by a Complete without a queue.
func (s State) Routable() bool {
	return s.Status == StatusCompleted && (s.AgentID == "" || s.Queue != "")
}

// Evolve applies one event. Unknown events leave the state unchanged so that
// an old binary can still fold a log written by a newer one. Evolve never
// changes what an earlier state shares with it (slices, user data), so a
// cached state stays valid after the next one is made from it.
func Evolve(s State, e Event) State {
	switch e := e.(type) {
	case SessionStarted:
		s = State{
			ID:                  e.SessionID,
			AgentID:             e.AgentID,
			Status:              e.Status,
			FacebooksessionType: e.FacebooksessionType,
			Comment:             e.Comment,
			ReceivedDate:        e.ReceivedDate,
			UserData:            e.UserData,
			Participants:        e.Participants,
			SuggestedQueueURIs:  e.SuggestedQueueURIs,
			Queue:               e.QueueName,
			Channel:             e.Channel,
		}
		if e.Channel != "" {
			s.CustomerAt = ParseReceivedDate(e.ReceivedDate)
		}
		if e.Status == StatusInvited {
			s.Offers = 1
		}
	case SessionEnded:
		s.Ended = true
		if e.ByCustomer {
			s.Participants = without(s.Participants, func(p Participant) bool { return p.Type == ParticipantCustomer })
		}
	case InteractionCompleted:
		s.Status = StatusCompleted
	case QueuedTo:
		s.Status = StatusCompleted
		s.Queue = e.QueueName
	case OfferAccepted:
		s.Status = StatusChatting
		s.Participants = append(slices.Clip(s.Participants), Participant{
			Nickname: e.Nickname, Type: ParticipantAgent, ID: e.AgentID,
			Visibility: VisibilityAll, ParticipantID: e.AgentID,
		})
	case OfferRejected:
		s.Status, s.AgentID = StatusCompleted, ""
	case OfferTimedOut:
		s.Status, s.AgentID = StatusCompleted, ""
	case AgentMessageSent:
		s.Messages = e.Message.Index
	case CustomerMessageReceived:
		s.Messages = e.Message.Index
		s.CustomerAt = e.Message.At
	case TransferredToAgent:
		s.Participants = withoutAgent(s.Participants, e.FromAgentID)
		s.Status, s.AgentID, s.Queue = StatusInvited, e.ToAgentID, ""
		s.Offers++
	case TransferredToQueue:
		s.Participants = withoutAgent(s.Participants, e.FromAgentID)
		s.Status, s.AgentID, s.Queue = StatusCompleted, "", e.QueueName
	case AgentLeft:
		s.Participants = withoutAgent(s.Participants, e.AgentID)
		s.Status, s.AgentID = StatusCompleted, ""
	case UserDataUpdated:
		if merged, err := mergeUserData(s.UserData, e.UserData); err == nil {
			s.UserData = merged
		}
	case UserDataDeleted:
		if kept, err := deleteUserData(s.UserData, e.Keys); err == nil {
			s.UserData = kept
		}
	case SessionWithdrawn:
		s.Participants = withoutAgent(s.Participants, e.AgentID)
		s.Status, s.AgentID = StatusCompleted, ""
	case SessionRouted:
		s.Participants = withoutAgent(s.Participants, s.AgentID)
		s.Status, s.AgentID, s.Queue = StatusInvited, e.AgentID, ""
		s.Offers++
	case CustomerRead:
		// Receipts arrive out of order: a watermark only moves on.
		if e.Watermark.After(s.ReadUpTo) {
			s.ReadUpTo = e.Watermark
		}
	case MessagesDelivered:
		if e.Watermark.After(s.DeliveredUpTo) {
			s.DeliveredUpTo = e.Watermark
		}
	}
	switch e.(type) {
	case SessionStarted, SessionEnded, InteractionCompleted, QueuedTo,
		MessageSending, MessageRelayed, MessageUndeliverable, CustomerRead, MessagesDelivered:
	default:
		s.Activity++
	}
	s.LogBytes += clientBytes(e)
	return s
}

// clientBytes is what an event of the session's life carries of its
// clients' text.
func clientBytes(e Event) int {
	switch e := e.(type) {
	case AgentMessageSent:
		return len(e.Message.Text) + len(e.Message.Nickname)
	case CustomerMessageReceived:
		return len(e.Message.Text) + len(e.Message.Nickname)
	case OfferAccepted:
		return len(e.Nickname)
	case UserDataUpdated:
		return len(e.UserData)
	case UserDataDeleted:
		n := 0
		for _, k := range e.Keys {
			n += len(k)
		}
		return n
	}
	return 0
}

// without returns ps less those drop picks, in a new slice when any is
// dropped so that the state it came from keeps its own.
func without(ps []Participant, drop func(Participant) bool) []Participant {
	if !slices.ContainsFunc(ps, drop) {
		return ps
	}
	out := make([]Participant, 0, len(ps))
	for _, p := range ps {
		if !drop(p) {
			out = append(out, p)
		}
	}
	return out
}

func withoutAgent(ps []Participant, agentID string) []Participant {
	return without(ps, func(p Participant) bool { return p.Type == ParticipantAgent && p.ID == agentID })
}

// Fold replays events from the zero state.
func Fold(events []Event) State {
	var s State
	for _, e := range events {
		s = Evolve(s, e)
	}
	return s
}
