package commands

import (
	"testing"

	"github.com/stretchr/testify/require"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/internal/bytelru"
	"github.com/fbsession/fbsession/sessionview"
)

// loaded is a session's stream as the Handler's service keeps it.
type loaded = stream[sessionview.Snapshot]

func newTestCache(maxStreams, maxBytes int) *streamCache[sessionview.Snapshot] {
	return newStreamCache(maxStreams, maxBytes, sessionview.Snapshot.Size)
}

func TestStateCacheIsBounded(t *testing.T) {
	t.Parallel()
	c := newTestCache(2, DefaultCacheBytes)
	c.put("a", loaded{version: 1})
	c.put("b", loaded{version: 1})
	_, ok := c.get("a") // a is now the most recent
	require.True(t, ok)
	c.put("c", loaded{version: 1})
	_, ok = c.get("b")
	require.False(t, ok, "the least recently used goes first")
	for _, id := range []string{"a", "c"} {
		_, ok := c.get(id)
		require.True(t, ok, id)
	}
	c.put("a", loaded{version: 2})
	s, _ := c.get("a")
	require.Equal(t, int64(2), s.version)
	c.drop("a")
	_, ok = c.get("a")
	require.False(t, ok)
	newTestCache(0, DefaultCacheBytes).put("x", loaded{}) // a zero-size cache keeps nothing, and does not panic
	newTestCache(1, 0).put("x", loaded{})
}

// Large sessions are bounded by their bytes, however few they are: the
// cache never holds more than its budget, and evicts the least recently
// used first.
func TestStateCacheIsBoundedInBytes(t *testing.T) {
	t.Parallel()
	large := func(v int64) loaded {
		return loaded{version: v, state: sessionview.Snapshot{State: fb.State{ID: "s", UserData: make([]byte, 60_000)}}}
	}
	budget := 3 * (large(0).size() + large(0).state.Size() - bytelru.EntryOverhead)
	c := newTestCache(1000, budget)
	for i := range 10 {
		c.put(string(rune('a'+i)), large(int64(i)))
		require.LessOrEqual(t, c.lru.Bytes(), budget)
	}
	require.Equal(t, 3, c.lru.Len())
	for _, id := range []string{"h", "i", "j"} {
		_, ok := c.get(id)
		require.True(t, ok, id)
	}
	c.put("j", large(11)) // replacing an entry counts it once
	require.Equal(t, budget, c.lru.Bytes())
	c.drop("j")
	require.Equal(t, 2*budget/3, c.lru.Bytes())

	c.put("huge", loaded{state: sessionview.Snapshot{State: fb.State{UserData: make([]byte, budget)}}})
	_, ok := c.get("huge")
	require.False(t, ok, "an entry larger than the budget is not kept")
	require.Equal(t, 2, c.lru.Len(), "and pushes nothing out")
}
