package commands

import (
	"context"
	"time"

	"github.com/fbsession/fbsession/eventstore"
)

// Command is what every aggregate's commands have: the name of their
// operation, recorded with the events they cause, which scopes idempotency
// keys.
type Command interface{ Operation() string }

// Decider is one kind of aggregate as the command side runs it: the pure
// rules of its domain package, and how its state lives in the log. S is
// the state the service decides on and may keep between commands (a
// session's is a sessionview.Snapshot); C the aggregate's commands.
//
// A Service judges a command in this order: Validate, before any state is
// read, so that a bad request gets the same answer whatever the aggregate;
// the idempotency key, whose earlier answer is the sender's own; Authorize;
// then Decide.
type Decider[S any, C Command] interface {
	// StreamID names the stream of the aggregate id.
	StreamID(id string) string
	// Evolve folds one stored event of the stream into s; the zero S is
	// the state before the first.
	Evolve(s S, rec *eventstore.RecordedEvent) (S, error)
	// Validate judges cmd alone.
	Validate(cmd C) error
	// Authorize tells whether cmd's sender may act on the aggregate s.
	Authorize(ctx context.Context, s S, cmd C) error
	// Decide carries out cmd on s at now.
	Decide(s S, cmd C, now time.Time) (Decision[S], error)
	// Fingerprint identifies the request cmd stands for, so that an
	// idempotency key sent again with another request is told apart from
	// a retry.
	Fingerprint(cmd C) (string, error)
}

// Decision is what a command does: the events to append, in order, and
// the state they leave.
type Decision[S any] struct {
	// Events are appended as they are, but for their metadata, which the
	// service records.
	Events []eventstore.EventData
	// After is the state the events leave.
	After S
	// View, when set, is the aggregate's read model as the events leave
	// it, written by the same append.
	View *eventstore.View
	// Unreferenced: the answer carries no referenceId (an intake's).
	Unreferenced bool
}

// Keeper is a Decider whose states a Service keeps between commands, so
// that a command need not read the stream it decides on. A kept state may
// be stale when another process appended: the append then fails its head
// check, and the service folds in the events appended since and decides
// again.
type Keeper[S any, C Command] interface {
	// Keep is s as the service keeps it, and whether to keep it at all.
	Keep(s S) (S, bool)
	// Lacks tells whether deciding cmd needs what Keep left out of s: the
	// service reads the stream first.
	Lacks(s S, cmd C) bool
	// Size estimates the memory a kept s takes.
	Size(s S) int
}

// Gate is a Decider that can refuse a command from the aggregate's read
// model, before its stream is read: whoever may not act on an aggregate
// does not make the service fold it. A refused request with an idempotency
// key is answered from that key's use in the stream, looked for a part at
// a time (its earlier answer: a retried Transfer), or refused.
type Gate[C Command] interface {
	Admit(ctx context.Context, id string, cmd C) error
}
