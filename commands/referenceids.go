package commands

import (
	"context"
	"sync"

	"github.com/fbsession/fbsession/eventstore"
)

// ReferenceIDs hands out referenceIds: positive, never repeated across
// processes and restarts, and small enough for a JavaScript number. They
// come from a durable sequence in blocks, so the store is asked once per
// block rather than once per request; a block a process did not finish is
// skipped, which leaves gaps but never duplicates. Across a failover too:
// on PostgreSQL a reservation's commit is never cancelled, so with
// synchronous replication it is on the standby before a value is used;
// with asynchronous replication, the first reservation on the promoted
// server skips ahead (postgres.Config.FailoverGap) past the ones it may have
// lost. fbsessionctl verify checks that no referenceId is in the log twice.
type ReferenceIDs struct {
	store eventstore.Sequences
	block int64

	mu        sync.Mutex
	next, end int64 // next to hand out; end is one past the block
}

// DefaultReferenceBlock is how many referenceIds a process reserves at once.
const DefaultReferenceBlock = 1000

// NewReferenceIDs returns an allocator reserving block ids at a time
// (DefaultReferenceBlock when 0).
func NewReferenceIDs(store eventstore.Sequences, block int64) *ReferenceIDs {
	if block <= 0 {
		block = DefaultReferenceBlock
	}
	return &ReferenceIDs{store: store, block: block}
}

// Next returns a new referenceId.
func (r *ReferenceIDs) Next(ctx context.Context) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.next == r.end {
		first, err := r.store.ReserveSequence(ctx, &eventstore.ReserveSequenceParams{Name: "referenceId", N: r.block})
		if err != nil {
			return 0, err
		}
		r.next, r.end = first, first+r.block
	}
	id := r.next
	r.next++
	return id, nil
}
