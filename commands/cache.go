package commands

import (
	lru "github.com/hashicorp/golang-lru/v2"
)

// stateCache keeps the folded state of recently used sessions, so that a
// Complete need not read the stream it decides on. It may be stale when
// another process appended: the append then fails its head check, the
// handler drops the entry and decides again on the stream read afresh.
type stateCache struct {
	lru *lru.Cache[string, loaded] // nil: a cache of size 0 keeps nothing
}

func newStateCache(max int) *stateCache {
	if max <= 0 {
		return &stateCache{}
	}
	c, err := lru.New[string, loaded](max)
	if err != nil {
		panic(err) // only for a size <= 0, excluded above
	}
	return &stateCache{lru: c}
}

func (c *stateCache) get(id string) (loaded, bool) {
	if c.lru == nil {
		return loaded{}, false
	}
	return c.lru.Get(id)
}

func (c *stateCache) put(id string, s loaded) {
	if c.lru != nil {
		c.lru.Add(id, s)
	}
}

func (c *stateCache) drop(id string) {
	if c.lru != nil {
		c.lru.Remove(id)
	}
}
