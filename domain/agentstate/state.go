package agentstate

import "slices"

// Status is a channel's state as GWS names it.
type Status string

const (
	StatusReady    Status = "Ready"
	StatusNotReady Status = "NotReady"
	// StatusLoggedOut is a channel's state once its session ended: shown
	// only by the notification of the end.
	StatusLoggedOut Status = "LoggedOut"
)

// Channel is one channel of a started session.
type Channel struct {
	Name       string
	Status     Status
	ReasonCode string // of a NotReady, when one was given
}

// State is an agent's channels: none before StartContactCenterSession and
// after EndContactCenterSession; and their capacities, which outlive the
// session.
type State struct {
	Channels []Channel
	// Capacities are the capacities set, by channel; a channel absent has
	// DefaultCapacity (read them with Capacity). Never written in place.
	Capacities map[string]int
}

// Started tells whether a contact center session is started.
func (s State) Started() bool { return len(s.Channels) > 0 }

// Channel is the named channel of the session, and whether it is in it.
func (s State) Channel(name string) (Channel, bool) {
	i := slices.IndexFunc(s.Channels, func(c Channel) bool { return c.Name == name })
	if i < 0 {
		return Channel{}, false
	}
	return s.Channels[i], true
}

// Evolve folds one event into the state. It never shares the channels or
// capacities of s with the state it returns, which a caller may keep.
func Evolve(s State, e Event) State {
	switch e := e.(type) {
	case SessionStarted:
		s.Channels = make([]Channel, len(e.Channels))
		for i, name := range e.Channels {
			s.Channels[i] = Channel{Name: name, Status: StatusNotReady}
		}
	case SessionEnded:
		s.Channels = nil
	case ChannelReady:
		s.Channels = with(s.Channels, Channel{Name: e.Channel, Status: StatusReady})
	case ChannelNotReady:
		s.Channels = with(s.Channels, Channel{Name: e.Channel, Status: StatusNotReady, ReasonCode: e.ReasonCode})
	case ChannelCapacitySet:
		s.Capacities = withCapacity(s.Capacities, e.Channel, e.Capacity)
	}
	return s
}

// with is channels with c in place of the channel of its name.
func with(channels []Channel, c Channel) []Channel {
	out := slices.Clone(channels)
	for i := range out {
		if out[i].Name == c.Name {
			out[i] = c
			return out
		}
	}
	return append(out, c)
}
