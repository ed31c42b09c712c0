package agentstate

import (
	"errors"
	"fmt"
)

// Sentinel errors of the aggregate. Transport maps each to one GWS status
// code; wrap them with %w to add detail.
var (
	// ErrInvalid: a command field fails validation.
	ErrInvalid = errors.New("agentstate: invalid")
	// ErrUnknownChannel: the channel is none this service has.
	ErrUnknownChannel = errors.New("agentstate: no such channel")
	// ErrUnknownAgent: the agent a supervisor names is no agent.
	ErrUnknownAgent = errors.New("agentstate: no such agent")
	// ErrForbidden: the sender may not change this agent's channels.
	ErrForbidden = errors.New("agentstate: not allowed to change this agent's channels")
	// ErrInvalidState: the operation is not valid in the agent's state.
	ErrInvalidState = errors.New("agentstate: operation not valid in the current state")
)

// StateError is an operation refused because no contact center session
// is started; it is an ErrInvalidState.
type StateError struct{ Operation string }

func (e *StateError) Error() string {
	return fmt.Sprintf("%s is not valid before StartContactCenterSession", e.Operation)
}

func (e *StateError) Unwrap() error { return ErrInvalidState }
