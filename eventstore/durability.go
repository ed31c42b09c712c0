package eventstore

import "context"

// Durability is a store whose changes may be visible before they are as
// durable as its commits are: PostgreSQL shows a change on the primary
// alone when its wait for a synchronous standby was cancelled (by a
// client, an operator, a timeout). A store without that gap need not
// implement it.
type Durability interface {
	// Durable returns once every change visible before the call is as
	// durable as a commit: with synchronous replication, on the
	// synchronous standbys (flushed, or applied with remote_apply).
	Durable(ctx context.Context) error
}
