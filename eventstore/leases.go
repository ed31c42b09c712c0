package eventstore

import "context"

// Leases make one process at a time the runner of something named, such
// as a projector, among every process on the store.
type Leases interface {
	// Lease makes the caller the only holder of p.Name, or returns
	// ErrLeaseHeld. The lease lasts until Release or until Lost is closed
	// (its connection broke).
	Lease(ctx context.Context, p *LeaseParams) (Lease, error)
}

// LeaseParams are the arguments of Leases.Lease.
type LeaseParams struct {
	Name string
}

// Lease is the exclusive right to run something named, held by one process
// at a time.
type Lease interface {
	// Lost is closed when the lease can no longer be trusted: stop work.
	Lost() <-chan struct{}
	// Release gives the lease up.
	Release()
}
