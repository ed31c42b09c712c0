package agentstate

import (
	"fmt"
	"slices"
)

// Authorize tells whether cmd's sender may change the agent's channels:
// the agent themselves, or a supervisor setting a channel Ready or
// NotReady. Starting and ending the session are the agent's alone. A
// capacity is an administrator's alone, and an administrator sets
// nothing else: it is the agent's configuration, not their work.
func Authorize(cmd Command) error {
	s := cmd.From()
	capacity := cmd.Operation() == OperationSetCapacity
	switch {
	case capacity || s.Administrator:
		if capacity && s.Administrator && !s.Supervisor {
			return nil
		}
	case s.By == s.Agent && !s.Supervisor:
		return nil
	case s.Supervisor && slices.Contains(ChannelOperations(), cmd.Operation()):
		return nil
	}
	return fmt.Errorf("%w: %s by %s for %s", ErrForbidden, cmd.Operation(), s.By, s.Agent)
}

// Decide carries out cmd on s. A StartContactCenterSession of a started
// session starts it again: every channel NotReady, as after a desktop's
// first start. No events and no error is a command that changes nothing
// (a capacity set to what it is): the caller appends nothing.
func Decide(s State, cmd Command) ([]Event, error) {
	switch c := cmd.(type) {
	case StartSession:
		return []Event{SessionStarted{Channels: distinct(c.Channels)}}, nil
	case EndSession:
		if !s.Started() {
			return nil, &StateError{Operation: c.Operation()}
		}
		names := make([]string, len(s.Channels))
		for i, ch := range s.Channels {
			names[i] = ch.Name
		}
		return []Event{SessionEnded{Channels: names}}, nil
	case SetReady:
		if err := inSession(s, c.Operation(), c.Channel); err != nil {
			return nil, err
		}
		return []Event{ChannelReady{Channel: c.Channel}}, nil
	case SetNotReady:
		if err := inSession(s, c.Operation(), c.Channel); err != nil {
			return nil, err
		}
		return []Event{ChannelNotReady{Channel: c.Channel, ReasonCode: c.ReasonCode}}, nil
	case SetCapacity:
		return decideCapacity(s, c), nil
	}
	return nil, fmt.Errorf("%w: unknown command %T", ErrInvalid, cmd)
}

// inSession refuses an operation on a channel the agent did not start.
func inSession(s State, op, channel string) error {
	if !s.Started() {
		return &StateError{Operation: op}
	}
	if _, ok := s.Channel(channel); !ok {
		return fmt.Errorf("%w: %s: the contact center session has no channel %s", ErrInvalidState, op, channel)
	}
	return nil
}

// distinct is names without repeats, in their first order.
func distinct(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
