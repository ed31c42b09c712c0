package facebooksession

import (
	"errors"
	"fmt"
)

// Sentinel errors of the aggregate. Transport maps each to one GWS status
// code; wrap them with %w to add detail.
var (
	// ErrNotFound: the session does not exist.
	ErrNotFound = errors.New("facebooksession: not found")
	// ErrNotOwner: the session belongs to another agent. The API must answer
	// as for ErrNotFound so that others' sessions are never revealed.
	ErrNotOwner = errors.New("facebooksession: not the session's agent")
	// ErrAlreadyExists: Start for an id that is taken.
	ErrAlreadyExists = errors.New("facebooksession: already exists")
	// ErrInvalidState: the operation is not valid in the current state.
	ErrInvalidState = errors.New("facebooksession: operation not valid in the current state")
	// ErrInvalid: a command field fails validation.
	ErrInvalid = errors.New("facebooksession: invalid")
)

// StateError is an operation refused in the session's state; it is an
// ErrInvalidState.
type StateError struct {
	Operation string
	Status    Status
}

func (e *StateError) Error() string {
	if e.Status == StatusNone {
		return fmt.Sprintf("%s is not valid for this facebooksession", e.Operation)
	}
	return fmt.Sprintf("%s is not valid in the state %s", e.Operation, e.Status)
}

func (e *StateError) Unwrap() error { return ErrInvalidState }
