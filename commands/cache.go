package commands

import (
	"sync"

	"github.com/fbsession/fbsession/internal/bytelru"
)

// streamCache keeps the streams of recently used aggregates as their
// Keeper keeps them, bounded in bytes as well as in count: what a state
// holds is partly the client's to size. A nil cache keeps nothing.
type streamCache[S any] struct {
	lru *bytelru.Cache[string, stream[S]]
	// putting makes a put's look at the kept version and its add one
	// step: two requests that finish out of order must not leave the
	// older state kept.
	putting sync.Mutex
}

func newStreamCache[S any](maxStreams, maxBytes int, stateSize func(S) int) *streamCache[S] {
	size := func(st stream[S]) int { return st.size() + stateSize(st.state) - bytelru.EntryOverhead }
	return &streamCache[S]{lru: bytelru.New[string](maxStreams, maxBytes, size)}
}

func (c *streamCache[S]) get(id string) (stream[S], bool) {
	if c == nil {
		return stream[S]{}, false
	}
	return c.lru.Get(id)
}

// put keeps st unless a later version of the stream is kept already.
func (c *streamCache[S]) put(id string, st stream[S]) {
	if c == nil {
		return
	}
	c.putting.Lock()
	defer c.putting.Unlock()
	if kept, ok := c.lru.Peek(id); ok && kept.version > st.version {
		return
	}
	c.lru.Add(id, st)
}

func (c *streamCache[S]) drop(id string) {
	if c != nil {
		c.lru.Remove(id)
	}
}
