package agentstate

import (
	"fmt"
	"maps"
)

// OperationSetCapacity is an administrator setting how many sessions of a
// channel an agent may hold at once.
const OperationSetCapacity = "SetCapacity"

// TypeChannelCapacitySet is the stored type of ChannelCapacitySet; the
// log keeps it, so it is never renamed.
const TypeChannelCapacitySet = "ChannelCapacitySet"

// Capacity bounds. DefaultCapacity is an agent's capacity on a channel
// nobody set it for; MaxCapacity is explicit so that a typo (1000) is
// refused rather than making one agent take a whole queue.
const (
	DefaultCapacity = 3
	MaxCapacity     = 100
)

// ErrInvalidCapacity: a capacity outside 0..MaxCapacity. It is an
// ErrInvalid, so that it maps to the same GWS code as any bad field.
var ErrInvalidCapacity = fmt.Errorf("%w: capacity must be 0-%d", ErrInvalid, MaxCapacity)

// SetCapacity sets how many sessions of Channel the agent may hold at
// once: offers not yet answered and sessions in their hands. It is the
// agent's configuration, set by an administrator (Sender.Administrator),
// not an operation of the agent's own; 0 makes the agent take none.
type SetCapacity struct {
	Sender
	Channel  string `json:"channel"`
	Capacity int    `json:"capacity"`
}

func (SetCapacity) Operation() string { return OperationSetCapacity }

// ChannelCapacitySet: the agent's capacity on Channel is Capacity from now on.
type ChannelCapacitySet struct {
	Channel  string
	Capacity int
}

func (ChannelCapacitySet) EventType() string { return TypeChannelCapacitySet }

// Capacity is the agent's capacity on channel: as last set, else
// DefaultCapacity. It does not depend on the contact center session,
// which the agent starts and ends; the capacity outlives both.
func (s State) Capacity(channel string) int {
	if n, ok := s.Capacities[channel]; ok {
		return n
	}
	return DefaultCapacity
}

// validCapacity judges a SetCapacity alone: a channel this service has,
// and a capacity in range.
func validCapacity(c SetCapacity) error {
	if err := validChannel(c.Channel); err != nil {
		return err
	}
	if c.Capacity < 0 || c.Capacity > MaxCapacity {
		return fmt.Errorf("%w, not %d", ErrInvalidCapacity, c.Capacity)
	}
	return nil
}

// decideCapacity records a capacity unless it is the one already set: a
// repeated command (a script run twice) leaves the log as it was. A
// capacity never set is recorded even when it equals the default, so
// that the administrator's choice is in the log and outlives a change of
// the default.
func decideCapacity(s State, c SetCapacity) []Event {
	if n, ok := s.Capacities[c.Channel]; ok && n == c.Capacity {
		return nil
	}
	return []Event{ChannelCapacitySet{Channel: c.Channel, Capacity: c.Capacity}}
}

// withCapacity is capacities with channel's set to n, in a new map: a
// kept state's map is never written.
func withCapacity(capacities map[string]int, channel string, n int) map[string]int {
	out := maps.Clone(capacities)
	if out == nil {
		out = make(map[string]int, 1)
	}
	out[channel] = n
	return out
}
