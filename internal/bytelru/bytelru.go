// Package bytelru provides an LRU cache bounded both in entries and in the
// bytes its values are estimated to take: a count alone does not bound the
// memory of values whose size a client controls.
package bytelru

import (
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// EntryOverhead is a generous estimate of what an entry costs besides the
// data its value points to: the LRU's list element and map slot and the
// value's own structs. A session's state without user data measured about
// 400 bytes in all. Size functions add it to what they count exactly.
const EntryOverhead = 512

// Cache is safe for concurrent use.
type Cache[K comparable, V any] struct {
	mu       sync.Mutex
	lru      *simplelru.LRU[K, entry[V]] // nil: a cache of size 0 keeps nothing
	size     func(V) int
	bytes    int // sum of the entries' sizes
	maxBytes int
}

// entry keeps the size a value was counted at, so that its eviction takes
// off exactly what its Add put on.
type entry[V any] struct {
	value V
	size  int
}

// New returns a cache of at most maxEntries values whose sizes, as size
// estimates them, sum to at most maxBytes. With either bound <= 0 it keeps
// nothing.
func New[K comparable, V any](maxEntries, maxBytes int, size func(V) int) *Cache[K, V] {
	c := &Cache[K, V]{size: size, maxBytes: maxBytes}
	if maxEntries <= 0 || maxBytes <= 0 {
		return c
	}
	lru, err := simplelru.NewLRU(maxEntries, func(_ K, e entry[V]) { c.bytes -= e.size })
	if err != nil {
		panic(err) // only for a size <= 0, excluded above
	}
	c.lru = lru
	return c
}

// Get returns the value of key and marks it the most recently used.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	return c.read(key, (*simplelru.LRU[K, entry[V]]).Get)
}

// Peek returns the value of key without changing its place in the order.
func (c *Cache[K, V]) Peek(key K) (V, bool) {
	return c.read(key, (*simplelru.LRU[K, entry[V]]).Peek)
}

func (c *Cache[K, V]) read(key K, get func(*simplelru.LRU[K, entry[V]], K) (entry[V], bool)) (V, bool) {
	if c.lru == nil {
		var zero V
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := get(c.lru, key)
	return e.value, ok
}

// Add sets the value of key, then evicts the least recently used until the
// cache is within its bounds. A value larger than the whole budget is not
// kept, and pushes nothing out; it still replaces the key's old value.
func (c *Cache[K, V]) Add(key K, value V) {
	if c.lru == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key) // simplelru replaces a value without evicting it: take the old size off
	size := c.size(value)
	if size > c.maxBytes {
		return
	}
	c.lru.Add(key, entry[V]{value: value, size: size})
	c.bytes += size
	for c.bytes > c.maxBytes {
		c.lru.RemoveOldest()
	}
}

// Remove drops key, freeing its bytes.
func (c *Cache[K, V]) Remove(key K) {
	if c.lru == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key)
}

// Len is the number of entries.
func (c *Cache[K, V]) Len() int {
	if c.lru == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// Bytes is the sum of the entries' sizes.
func (c *Cache[K, V]) Bytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}
