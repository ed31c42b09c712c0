package queue

import (
	"fmt"
	"slices"
)

// Decide carries out cmd on s. A command that would change nothing (a
// member added again, a non-member removed, settings set to what they
// are) decides no event and no error.
func Decide(s State, cmd Command) ([]Event, error) {
	if err := Validate(cmd); err != nil {
		return nil, err
	}
	if add, ok := cmd.(Add); ok {
		if s.Exists() {
			return nil, fmt.Errorf("%w: %s", ErrQueueExists, add.Name)
		}
		return []Event{added(add)}, nil
	}
	if !s.Exists() {
		return nil, ErrUnknownQueue
	}
	switch c := cmd.(type) {
	case Set:
		next := QueueChanged{OfferTimeoutSeconds: s.OfferTimeoutSeconds, NoAnswerNotReady: s.NoAnswerNotReady}
		if c.OfferTimeoutSeconds != nil {
			next.OfferTimeoutSeconds = *c.OfferTimeoutSeconds
		}
		if c.NoAnswerNotReady != nil {
			next.NoAnswerNotReady = *c.NoAnswerNotReady
		}
		if next.OfferTimeoutSeconds == s.OfferTimeoutSeconds && next.NoAnswerNotReady == s.NoAnswerNotReady {
			return nil, nil
		}
		return []Event{next}, nil
	case Remove:
		return []Event{QueueRemoved{}}, nil
	case AddMembers:
		var fresh []string
		for _, a := range sortedSet(slices.Clone(c.Agents)) {
			if !s.IsMember(a) {
				fresh = append(fresh, a)
			}
		}
		if len(fresh) == 0 {
			return nil, nil
		}
		if len(s.Members)+len(fresh) > MaxMembers {
			return nil, fmt.Errorf("%w: %s would have %d members, at most %d", ErrTooMany, s.Name, len(s.Members)+len(fresh), MaxMembers)
		}
		return []Event{QueueMembersAdded{Agents: fresh}}, nil
	case RemoveMembers:
		var gone []string
		for _, a := range sortedSet(slices.Clone(c.Agents)) {
			if s.IsMember(a) {
				gone = append(gone, a)
			}
		}
		if len(gone) == 0 {
			return nil, nil
		}
		return []Event{QueueMembersRemoved{Agents: gone}}, nil
	}
	return nil, fmt.Errorf("%w: unknown command %T", ErrInvalid, cmd)
}

// added is the event of an Add, its defaults filled in.
func added(c Add) QueueAdded {
	e := QueueAdded{ID: c.ID, Name: c.Name, OfferTimeoutSeconds: c.OfferTimeoutSeconds, NoAnswerNotReady: true}
	if e.OfferTimeoutSeconds == 0 {
		e.OfferTimeoutSeconds = DefaultOfferTimeoutSeconds
	}
	if c.NoAnswerNotReady != nil {
		e.NoAnswerNotReady = *c.NoAnswerNotReady
	}
	return e
}
