package commands

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStateCacheIsBounded(t *testing.T) {
	t.Parallel()
	c := newStateCache(2)
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
	newStateCache(0).put("x", loaded{}) // a zero-size cache keeps nothing, and does not panic
}
