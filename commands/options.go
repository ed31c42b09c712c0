package commands

import (
	"context"
	"time"
)

// DefaultCachedSessions bounds the aggregates whose state a service keeps.
const DefaultCachedSessions = 10_000

// DefaultCacheBytes bounds the memory those states take: kept without
// their user data, they are still the client's to size (participants, a
// comment), so a count alone does not bound them.
const DefaultCacheBytes = 16 << 20

// Option adjusts a Service or a Handler.
type Option func(*config)

type config struct {
	cachedSessions, cacheBytes int
	now                        func() time.Time
	agents                     Agents
	metrics                    *metrics
	references                 *ReferenceIDs
}

func newConfig(opts []Option) *config {
	c := &config{cachedSessions: DefaultCachedSessions, cacheBytes: DefaultCacheBytes, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	return c
}

// refs is the referenceId allocator a service hands out from: the one
// WithReferenceIDs shares, or its own.
func (c *config) refs(store Store) *ReferenceIDs {
	if c.references == nil {
		c.references = NewReferenceIDs(store, 0)
	}
	return c.references
}

// WithClock sets the clock commands are decided at, for tests.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithCachedSessions bounds the aggregates whose state a service keeps
// (DefaultCachedSessions without it; 0 keeps none). With more open
// sessions than that, a Complete of one that was pushed out reads its
// stream first: one more round trip.
func WithCachedSessions(n int) Option {
	return func(c *config) { c.cachedSessions = n }
}

// WithCacheBytes bounds the memory the kept states take, estimated from
// their sizes (DefaultCacheBytes without it; 0 keeps none). The first
// bound reached evicts the least recently used.
func WithCacheBytes(n int) Option {
	return func(c *config) { c.cacheBytes = n }
}

// WithReferenceIDs makes services share one referenceId allocator, so
// that the ids of every aggregate come from the same blocks.
func WithReferenceIDs(r *ReferenceIDs) Option {
	return func(c *config) { c.references = r }
}

// Agents is the directory that tells who may be handed sessions.
type Agents interface {
	// RequireAgent returns nil when id names a user who may be handed
	// sessions (users.ErrNotAgent otherwise).
	RequireAgent(ctx context.Context, id string) error
}

// WithAgents makes a Handler hand sessions only to the agents a accepts.
// Without it any valid id is taken, as in tests of the log alone.
func WithAgents(a Agents) Option {
	return func(c *config) { c.agents = a }
}
