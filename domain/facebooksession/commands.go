package facebooksession

import (
	"encoding/json"
	"time"
)

// Command is one of the operations the aggregate decides on.
type Command interface {
	// Operation is the command's name as the API and the log know it.
	Operation() string
}

// Start hands a new session to an agent, or places it in a queue for the
// router (the intake side of the API): exactly one of AgentID and
// QueueName.
type Start struct {
	SessionID           string
	AgentID             string
	QueueName           string
	FacebooksessionType string // "Inbound" when empty
	Comment             string
	ReceivedDate        string
	// UserData is kept as the client's JSON object so that key order and
	// large integers survive untouched.
	UserData     json.RawMessage
	Participants []Participant
	// Status is StatusInvited (the default when empty): the agent is
	// offered the session; or StatusChatting: the agent has joined it
	// already.
	Status             Status
	SuggestedQueueURIs []string
	// Channel is ChannelMessenger for a session the Messenger connector
	// starts; empty for the integration API's.
	Channel string
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

// Accept is the agent taking the session offered to them.
type Accept struct {
	By string
	// Nickname is how the customer sees the agent; the caller defaults it
	// to the user name.
	Nickname string
}

// Reject is the agent declining the offer: the session goes back to
// routing.
type Reject struct{ By string }

// SendMessage is the agent writing to the customer.
type SendMessage struct {
	By   string
	Text string
	// At is when the service received the message.
	At time.Time
}

// StartTyping and StopTyping are the agent's typing indicators.
type (
	StartTyping struct{ By string }
	StopTyping  struct{ By string }
)

// Transfer hands the session to another agent (TargetAgent) or to a queue
// (QueueName): exactly one of them.
type Transfer struct {
	By          string
	TargetAgent string
	QueueName   *string
}

// Leave is the agent leaving a session the customer is still in: it goes
// back to routing.
type Leave struct{ By string }

// InFocus records that the agent's desktop shows the session.
type InFocus struct{ By string }

// UpdateUserData merges keys into the session's user data.
type UpdateUserData struct {
	By       string
	UserData json.RawMessage
}

// DeleteUserData removes keys from the session's user data.
type DeleteUserData struct {
	By   string
	Keys []string
}

// CustomerMessage is the customer writing, relayed by the connector.
type CustomerMessage struct {
	Text string
	// Nickname defaults to the customer participant's.
	Nickname string
	At       time.Time
}

// CustomerLeft is the connector telling that the customer ended the
// Facebook session.
type CustomerLeft struct{}

// Route offers a session waiting for routing to an agent. The router sets
// Decision, the inputs of its choice, so that the log answers why this
// agent and not another; the integration side's Route has none.
type Route struct {
	AgentID  string
	Decision *RoutingDecision
}

// TimeOut takes back an offer its agent let run out: the router's, once
// the queue's offer timeout has passed. Offer is the State.Offers of the
// offer it times out, so that a timer that fires late never takes back a
// later offer of the same session to the same agent.
type TimeOut struct {
	AgentID          string
	Offer            int
	TimeoutSeconds   int
	NoAnswerNotReady bool
}

// Withdraw takes a session back from its agent, offered or chatting, to
// wait for routing: the agent can no longer take it (disabled), or did not
// answer. With AgentID, only from that agent: a session handed to another
// since is left alone.
type Withdraw struct{ AgentID string }

// OperationIntake names Start in the log.
const OperationIntake = "intake"

func (Start) Operation() string           { return OperationIntake }
func (Complete) Operation() string        { return OperationComplete }
func (Accept) Operation() string          { return OperationAccept }
func (Reject) Operation() string          { return OperationReject }
func (SendMessage) Operation() string     { return OperationSendMessage }
func (StartTyping) Operation() string     { return OperationStartTyping }
func (StopTyping) Operation() string      { return OperationStopTyping }
func (Transfer) Operation() string        { return OperationTransfer }
func (Leave) Operation() string           { return OperationLeave }
func (InFocus) Operation() string         { return OperationInFocus }
func (UpdateUserData) Operation() string  { return OperationUpdateUserData }
func (DeleteUserData) Operation() string  { return OperationDeleteUserData }
func (CustomerMessage) Operation() string { return OperationCustomerMessage }
func (CustomerLeft) Operation() string    { return OperationCustomerLeft }
func (TimeOut) Operation() string         { return OperationTimeOut }
func (Route) Operation() string           { return OperationRoute }
func (Withdraw) Operation() string        { return OperationWithdraw }
