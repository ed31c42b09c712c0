package commands

import (
	"github.com/fbsession/fbsession/internal/bytelru"
	"github.com/fbsession/fbsession/sessionlog"
)

// stateCache keeps the folded state of recently used sessions, so that a
// Complete need not read the stream it decides on. It may be stale when
// another process appended: the append then fails its head check, the
// handler drops the entry and decides again on the stream read afresh.
//
// It is bounded in bytes as well as in sessions: a session's state holds
// its user data, so a count alone lets a few thousand large sessions take
// gigabytes. The full state is kept, not only what a decision needs,
// because the view a Complete writes is the whole session.
type stateCache struct {
	lru *bytelru.Cache[string, loaded]
}

func newStateCache(maxSessions, maxBytes int) *stateCache {
	return &stateCache{lru: bytelru.New[string](maxSessions, maxBytes, loaded.size)}
}

func (c *stateCache) get(id string) (loaded, bool) { return c.lru.Get(id) }
func (c *stateCache) put(id string, s loaded)      { c.lru.Add(id, s) }
func (c *stateCache) drop(id string)               { c.lru.Remove(id) }

// size estimates the memory an entry keeps. What the bound must hold is
// the data a client controls, which is counted exactly.
func (s loaded) size() int {
	n := bytelru.EntryOverhead + len(s.head) + sessionlog.StateBytes(s.state)
	for k := range s.keys {
		n += 64 + len(k.actor) + len(k.operation) + len(k.key) + len(s.keys[k].hash)
	}
	return n
}
