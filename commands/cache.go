package commands

import (
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
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
	mu       sync.Mutex
	lru      *simplelru.LRU[string, loaded] // nil: a cache of size 0 keeps nothing
	bytes    int                            // sum of the entries' sizes
	maxBytes int
}

func newStateCache(maxSessions, maxBytes int) *stateCache {
	if maxSessions <= 0 || maxBytes <= 0 {
		return &stateCache{}
	}
	c := &stateCache{maxBytes: maxBytes}
	lru, err := simplelru.NewLRU(maxSessions, func(_ string, s loaded) { c.bytes -= s.size() })
	if err != nil {
		panic(err) // only for a size <= 0, excluded above
	}
	c.lru = lru
	return c
}

func (c *stateCache) get(id string) (loaded, bool) {
	if c.lru == nil {
		return loaded{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Get(id)
}

func (c *stateCache) put(id string, s loaded) {
	if c.lru == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(id) // an update is not an eviction: take the old size off
	size := s.size()
	if size > c.maxBytes {
		return
	}
	c.lru.Add(id, s)
	c.bytes += size
	for c.bytes > c.maxBytes {
		c.lru.RemoveOldest()
	}
}

func (c *stateCache) drop(id string) {
	if c.lru == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(id)
}

// entryOverhead is what an entry costs besides its strings and bytes: the
// structs, the LRU's list element and map slot. On the high side: a session
// without user data measured about 400 bytes in all. What the bound must
// hold is the data a client controls, which is counted exactly.
const entryOverhead = 512

// size estimates the memory an entry keeps.
func (s loaded) size() int {
	n := entryOverhead + len(s.head) + stateBytes(s.state)
	for k := range s.keys {
		n += 64 + len(k.actor) + len(k.operation) + len(k.key) + len(s.keys[k].hash)
	}
	return n
}

// stateBytes is the size of a state's strings and user data.
func stateBytes(s fb.State) int {
	n := len(s.ID) + len(s.AgentID) + len(s.FacebooksessionType) + len(s.Comment) +
		len(s.ReceivedDate) + len(s.UserData) + len(s.Queue) + len(s.Status)
	for _, p := range s.Participants {
		n += 80 + len(p.Nickname) + len(p.Type) + len(p.ID) + len(p.Visibility) + len(p.ParticipantID)
	}
	return n
}
