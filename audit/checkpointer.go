package audit

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/fbsession/fbsession/eventstore"
)

// CheckpointerLease names the lease that keeps one checkpointer running
// among the processes on a store.
const CheckpointerLease = "audit-checkpointer"

// Checkpointer signs and publishes a checkpoint of the whole log at every
// Interval, the first at once; an interval in which nothing was appended
// gets none.
type Checkpointer struct {
	Interval time.Duration
	Store    CheckpointLog
	Signer   crypto.Signer
	Stream   *CheckpointStream
	// Leases, when set, make one process of those on the store checkpoint
	// at a time.
	Leases eventstore.Leases
	Logger *slog.Logger
	// Observe, when set, is told how each round went: nil when a
	// checkpoint was published or none was due, the error when one
	// failed, so that a failure can show beyond the log (readiness,
	// metrics). A round another process holds the lease for, or that lost
	// the lease, says nothing of this process and is not told.
	Observe func(err error)
}

// Run checkpoints until ctx ends; it fails only on a missing setting. A
// failed checkpoint is logged and tried again at the next interval: NATS
// unreachable, or a log that does not verify (ErrLogBroken: nothing is
// signed over it, and it takes an operator to look).
func (c *Checkpointer) Run(ctx context.Context) error {
	if c.Interval <= 0 || c.Store == nil || c.Signer == nil || c.Stream == nil {
		return errors.New("audit: checkpointer needs Interval, Store, Signer and Stream")
	}
	log := c.logger()
	var last int64 = -1
	t := time.NewTicker(c.Interval)
	defer t.Stop()
	for {
		position, err := c.once(ctx, last)
		switch {
		case err == nil:
			last = position
			c.observe(nil)
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, eventstore.ErrLeaseHeld):
		case errors.Is(err, errLeaseLost):
			log.Warn("checkpoint not published: the lease was lost, another process may checkpoint")
		default:
			log.Error("checkpoint failed", "err", err)
			c.observe(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// errLeaseLost: the checkpointer's lease was lost before it published.
var errLeaseLost = errors.New("audit: checkpointer lease lost")

// once makes a checkpoint unless the log's head is still at last, and
// returns the head it checkpointed.
//
// The lease is held across a scan of the whole log, which it does not
// renew: on PostgreSQL it is an advisory lock on a connection of its own,
// lost when that connection breaks, and another process may then take it
// and checkpoint too. So a lost lease cancels the scan, and a checkpoint
// is published only if the lease still held once it was made. The check
// and the publication are not atomic: a lease lost in between lets two
// checkpoints through, each a true statement signed with the same key,
// which costs a duplicate and nothing else.
func (c *Checkpointer) once(ctx context.Context, last int64) (int64, error) {
	var lost <-chan struct{} // nil, never closed, without Leases
	if c.Leases != nil {
		lease, err := c.Leases.Lease(ctx, &eventstore.LeaseParams{Name: CheckpointerLease})
		if err != nil {
			return last, err
		}
		defer lease.Release()
		lost = lease.Lost()
		// A lost lease stops the scan: its result would not be published.
		leaseCtx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		go func() {
			select {
			case <-lost:
				cancel(errLeaseLost)
			case <-leaseCtx.Done():
			}
		}()
		ctx = leaseCtx
	}
	head, err := c.Store.Head(ctx)
	if err != nil || head == last {
		return last, err
	}
	// At every checkpoint, not once: NATS may be down when the process
	// starts, and the stream's configuration may have changed.
	if err := c.Stream.Ensure(ctx); err != nil {
		return last, err
	}
	start := time.Now()
	cp, err := Checkpoint(ctx, c.Store, c.Signer)
	select {
	case <-lost:
		return last, errLeaseLost
	default:
	}
	if err != nil {
		return last, err
	}
	if err := c.Stream.Publish(ctx, cp); err != nil {
		return last, fmt.Errorf("checkpoint %s: %w", cp.ID(), err)
	}
	c.logger().Info("checkpoint published", "id", cp.ID(), "position", cp.Position,
		"streams", cp.Streams, "events", cp.Events, "took", time.Since(start).Round(time.Millisecond))
	return cp.Position, nil
}

func (c *Checkpointer) observe(err error) {
	if c.Observe != nil {
		c.Observe(err)
	}
}

func (c *Checkpointer) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.Default()
	}
	return c.Logger
}
