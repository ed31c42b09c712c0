package queue

import (
	"fmt"
	"strings"
)

// Limits and defaults.
const (
	MaxNameLength = 64
	// DefaultOfferTimeoutSeconds is GWS's delivering timeout: an offer
	// not accepted by then goes back to the queue.
	DefaultOfferTimeoutSeconds = 30
	MaxOfferTimeoutSeconds     = 3600
	// MaxMembers bounds a queue's members, and so its events and view.
	MaxMembers = 10_000
	// MaxQueues bounds the queues of a service: the list is read whole.
	MaxQueues = 1000
	// MaxAgentIDLength is the users directory's bound on ids.
	MaxAgentIDLength = 64
)

// Validate judges a command alone, before any state is read.
func Validate(cmd Command) error {
	switch c := cmd.(type) {
	case Add:
		if err := ValidName(c.Name); err != nil {
			return err
		}
		if c.ID == "" {
			return fmt.Errorf("%w: a new queue needs an id", ErrInvalid)
		}
		if c.OfferTimeoutSeconds != 0 {
			return validTimeout(c.OfferTimeoutSeconds)
		}
	case Set:
		if c.OfferTimeoutSeconds == nil && c.NoAnswerNotReady == nil {
			return fmt.Errorf("%w: nothing to set: give the offer timeout, noAnswerNotReady, or both", ErrInvalid)
		}
		if c.OfferTimeoutSeconds != nil {
			return validTimeout(*c.OfferTimeoutSeconds)
		}
	case AddMembers:
		return validAgents(c.Agents)
	case RemoveMembers:
		return validAgents(c.Agents)
	case Remove:
	default:
		return fmt.Errorf("%w: unknown command %T", ErrInvalid, cmd)
	}
	return nil
}

// ValidName refuses a name that is not 1-64 ASCII letters, digits,
// spaces and _ . -, one that starts or ends with a space, and one of
// digits only. ASCII only, so that two names never look alike in a list
// or the log; no outer spaces, which a reader cannot see; no digits only,
// which would read as a queue's id (ids are numbers).
func ValidName(name string) error {
	if name == "" || len(name) > MaxNameLength {
		return fmt.Errorf("%w: a queue name is 1-%d characters", ErrInvalid, MaxNameLength)
	}
	digits := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == ' ', c == '_', c == '.', c == '-':
			digits = false
		default:
			return fmt.Errorf("%w: a queue name is letters, digits, spaces and _ . - only: %q", ErrInvalid, name)
		}
	}
	switch {
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("%w: a queue name may not start or end with a space: %q", ErrInvalid, name)
	case digits:
		return fmt.Errorf("%w: a queue name of digits only would read as a queue id: %q", ErrInvalid, name)
	}
	return nil
}

func validTimeout(seconds int) error {
	if seconds < 1 || seconds > MaxOfferTimeoutSeconds {
		return fmt.Errorf("%w: the offer timeout is 1-%d seconds, not %d", ErrInvalid, MaxOfferTimeoutSeconds, seconds)
	}
	return nil
}

// validAgents refuses an empty list, more than MaxMembers ids, and an id
// no user could have ([A-Za-z0-9_-], as the users directory's).
func validAgents(agents []string) error {
	if len(agents) == 0 {
		return fmt.Errorf("%w: name at least one agent", ErrInvalid)
	}
	if len(agents) > MaxMembers {
		return fmt.Errorf("%w: at most %d agents at once", ErrTooMany, MaxMembers)
	}
	for _, a := range agents {
		if !validAgentID(a) {
			return fmt.Errorf("%w: %q is no user id (1-%d characters of [A-Za-z0-9_-])", ErrInvalid, truncate(a, MaxAgentIDLength), MaxAgentIDLength)
		}
	}
	return nil
}

func validAgentID(s string) bool {
	if s == "" || len(s) > MaxAgentIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
