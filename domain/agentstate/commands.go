package agentstate

// Operation names, as the API and the log know them.
const (
	OperationStartSession = "StartContactCenterSession"
	OperationEndSession   = "EndContactCenterSession"
	OperationReady        = "Ready"
	OperationNotReady     = "NotReady"
)

// ChannelFacebookSession is the one channel this service has: the
// facebooksession media.
const ChannelFacebookSession = "facebooksession"

// Channels are every channel an agent may start a session with.
func Channels() []string { return []string{ChannelFacebookSession} }

// SessionOperations are the operations of POST /me.
func SessionOperations() []string { return []string{OperationStartSession, OperationEndSession} }

// ChannelOperations are the operations on one channel, the agent's own
// and a supervisor's.
func ChannelOperations() []string { return []string{OperationReady, OperationNotReady} }

// Command is one of the operations the aggregate decides on.
type Command interface {
	// Operation is the command's name as the API and the log know it.
	Operation() string
	// From is who sends it: the agent, or a supervisor on their behalf.
	From() Sender
}

// Sender is who sends a command, and for which agent.
type Sender struct {
	// Agent is the agent whose channels the command changes.
	Agent string `json:"agent"`
	// By is the user sending it.
	By string `json:"by"`
	// Supervisor tells that By controls Agent's channels as a supervisor
	// (the transport checked the role and the feature).
	Supervisor bool `json:"supervisor,omitempty"`
	// Administrator tells that By configures Agent (fbsessionctl, whose
	// database credentials are the authorization): only SetCapacity.
	Administrator bool `json:"administrator,omitempty"`
}

// StartSession is StartContactCenterSession: the agent starts working on
// the channels named, each NotReady until the agent says Ready.
type StartSession struct {
	Sender
	Channels []string `json:"channels"`
}

// EndSession is EndContactCenterSession: the agent stops working on
// every channel.
type EndSession struct{ Sender }

// SetReady is Ready on one channel: the agent may be offered its
// interactions.
type SetReady struct {
	Sender
	Channel string `json:"channel"`
}

// SetNotReady is NotReady on one channel, with the reason the agent
// gives, if any.
type SetNotReady struct {
	Sender
	Channel    string `json:"channel"`
	ReasonCode string `json:"reasonCode,omitempty"`
}

func (StartSession) Operation() string { return OperationStartSession }
func (EndSession) Operation() string   { return OperationEndSession }
func (SetReady) Operation() string     { return OperationReady }
func (SetNotReady) Operation() string  { return OperationNotReady }

func (s Sender) From() Sender { return s }
