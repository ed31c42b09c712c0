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
// It keeps states without their user data (slimmed): kilobytes a session
// that most commands neither read nor change, and which the view keeps
// apart (sessionview.EncodeKeepingUserData). A command that reads it loads
// the stream. It is still bounded in bytes as well as in sessions: the
// rest of a state (participants, comment) is the client's to size.
type stateCache struct {
	lru *bytelru.Cache[string, loaded]
}

func newStateCache(maxSessions, maxBytes int) *stateCache {
	return &stateCache{lru: bytelru.New[string](maxSessions, maxBytes, loaded.size)}
}

func (c *stateCache) get(id string) (loaded, bool) { return c.lru.Get(id) }
func (c *stateCache) put(id string, s loaded)      { c.lru.Add(id, s) }
func (c *stateCache) drop(id string)               { c.lru.Remove(id) }

// slimmed is the stream as the cache keeps it: without the user data.
func (s loaded) slimmed() loaded {
	if !s.slim {
		s.slim, s.hasUserData = true, len(s.state.UserData) > 0
		s.state.UserData = nil
	}
	return s
}

// size estimates the memory an entry keeps. What the bound must hold is
// the data a client controls, which is counted exactly.
func (s loaded) size() int {
	n := bytelru.EntryOverhead + len(s.head) + sessionlog.StateBytes(s.state)
	for k := range s.keys {
		n += 64 + len(k.actor) + len(k.operation) + len(k.key) + len(s.keys[k].hash)
	}
	return n
}
