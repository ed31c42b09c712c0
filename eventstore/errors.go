package eventstore

import (
	"errors"
	"fmt"
)

// Sentinel errors every driver returns, wrapped with %w where detail helps.
var (
	// ErrConcurrency: the stream is not at the expected version. The caller
	// should reload the stream and decide again.
	ErrConcurrency = errors.New("eventstore: wrong expected version")
	// ErrNotFound: the stream (or other record) does not exist.
	ErrNotFound = errors.New("eventstore: not found")
	// ErrDuplicateEvent: an event with that id is already stored.
	ErrDuplicateEvent = errors.New("eventstore: duplicate event id")
	// ErrUnavailable: the store cannot be reached or is shutting down.
	ErrUnavailable = errors.New("eventstore: unavailable")
	// ErrInvalid: the call's parameters are not valid.
	ErrInvalid = errors.New("eventstore: invalid parameters")
	// ErrLeaseHeld: another process holds the lease.
	ErrLeaseHeld = errors.New("eventstore: lease held elsewhere")
	// ErrTampered: a hash chain does not verify.
	ErrTampered = errors.New("eventstore: hash chain broken")
)

// ConcurrencyError tells which version was expected and which was found.
// It matches ErrConcurrency with errors.Is.
type ConcurrencyError struct {
	StreamID string
	Expected int64
	// Actual is the stream's version when the conflict was seen, or -1 when
	// it could not be read.
	Actual int64
}

func (e *ConcurrencyError) Error() string {
	return fmt.Sprintf("eventstore: stream %s: expected version %d, found %d", e.StreamID, e.Expected, e.Actual)
}

func (e *ConcurrencyError) Is(target error) bool { return target == ErrConcurrency }
