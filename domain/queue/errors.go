package queue

import "errors"

// Sentinel errors of the aggregate. Transport maps each to one GWS status
// code; wrap them with %w to add detail.
var (
	// ErrInvalid: a command field fails validation.
	ErrInvalid = errors.New("queue: invalid")
	// ErrUnknownQueue: no queue has that name or id, or it was removed.
	ErrUnknownQueue = errors.New("queue: no such queue")
	// ErrQueueExists: Add of a name a queue has.
	ErrQueueExists = errors.New("queue: a queue with this name exists")
	// ErrUnknownAgent: a member to add is no user with the agent role.
	// The domain does not know users: the command side checks.
	ErrUnknownAgent = errors.New("queue: no agent with this id")
	// ErrTooMany: the queue would have more members than MaxMembers, or
	// the service more queues than MaxQueues.
	ErrTooMany = errors.New("queue: too many")
)
