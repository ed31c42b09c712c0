package agentstate

// Event types as stored in the log.
const (
	TypeSessionStarted  = "ContactCenterSessionStarted"
	TypeSessionEnded    = "ContactCenterSessionEnded"
	TypeChannelReady    = "ChannelReady"
	TypeChannelNotReady = "ChannelNotReady"
)

// Event is something that happened to an agent's channels. Each carries
// what its notification shows, so that notifying a change needs no fold.
type Event interface{ EventType() string }

// SessionStarted: the agent works on Channels, each NotReady.
type SessionStarted struct{ Channels []string }

// SessionEnded: the agent stopped working on Channels, the session's.
type SessionEnded struct{ Channels []string }

// ChannelReady: the agent is ready on Channel.
type ChannelReady struct{ Channel string }

// ChannelNotReady: the agent is not ready on Channel, for ReasonCode if
// one was given.
type ChannelNotReady struct {
	Channel    string
	ReasonCode string
}

func (SessionStarted) EventType() string  { return TypeSessionStarted }
func (SessionEnded) EventType() string    { return TypeSessionEnded }
func (ChannelReady) EventType() string    { return TypeChannelReady }
func (ChannelNotReady) EventType() string { return TypeChannelNotReady }
