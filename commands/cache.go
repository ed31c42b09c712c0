package commands

import (
	"container/list"
	"sync"
)

// stateCache keeps the folded state of recently used sessions, so that a
// Complete need not read the stream it decides on. It may be stale when
// another process appended: the append then fails its head check, the
// handler drops the entry and decides again on the stream read afresh.
type stateCache struct {
	mu  sync.Mutex
	max int
	lru *list.List // of *cached, most recent first
	m   map[string]*list.Element
}

type cached struct {
	id string
	s  loaded
}

func newStateCache(max int) *stateCache {
	return &stateCache{max: max, lru: list.New(), m: map[string]*list.Element{}}
}

func (c *stateCache) get(id string) (loaded, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok {
		return loaded{}, false
	}
	c.lru.MoveToFront(e)
	return e.Value.(*cached).s, true
}

func (c *stateCache) put(id string, s loaded) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[id]; ok {
		e.Value.(*cached).s = s
		c.lru.MoveToFront(e)
		return
	}
	c.m[id] = c.lru.PushFront(&cached{id: id, s: s})
	for c.lru.Len() > c.max {
		last := c.lru.Back()
		c.lru.Remove(last)
		delete(c.m, last.Value.(*cached).id)
	}
}

func (c *stateCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[id]; ok {
		c.lru.Remove(e)
		delete(c.m, id)
	}
}
