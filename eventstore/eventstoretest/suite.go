// Package eventstoretest is the conformance suite every event store driver
// runs from its own tests:
//
//	func TestConformance(t *testing.T) { eventstoretest.Run(t, harness) }
//
// It is ordinary code so that drivers outside this module can run it too.
package eventstoretest

import (
	"context"
	"testing"

	"github.com/fbsession/fbsession/eventstore"
)

// Harness is what the suite needs of a driver.
type Harness struct {
	// New returns an empty, migrated store, isolated from every other
	// store New returns, and closed when t ends.
	New func(t *testing.T) eventstore.Driver
	// HoldAppend performs p's append in a transaction that stays open until
	// commit is called. Nil declares that the driver serialises appends, so
	// that no append can commit after a later one.
	HoldAppend func(ctx context.Context, s eventstore.Store, p *eventstore.AppendParams) (commit func() error, err error)
	// EditData overwrites the stored data of a stream's event behind the
	// store's back, as an attacker with database access would.
	EditData func(t *testing.T, s eventstore.Store, streamID string, version int64, data []byte)
}

// Run runs the whole suite.
func Run(t *testing.T, h Harness) {
	t.Run("Append", func(t *testing.T) { testAppend(t, h) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, h) })
	t.Run("Feed", func(t *testing.T) { testFeed(t, h) })
	t.Run("HashChain", func(t *testing.T) { testHashChain(t, h) })
	t.Run("Wakeup", func(t *testing.T) { testWakeup(t, h) })
	t.Run("Views", func(t *testing.T) { testViews(t, h) })
	t.Run("Sequences", func(t *testing.T) { testSequences(t, h) })
	t.Run("Checkpoints", func(t *testing.T) { testCheckpoints(t, h) })
	t.Run("Leases", func(t *testing.T) { testLeases(t, h) })
	t.Run("Scans", func(t *testing.T) { testScans(t, h) })
}
