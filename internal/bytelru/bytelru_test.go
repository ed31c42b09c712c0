package bytelru_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/internal/bytelru"
)

func size(s string) int { return len(s) }

func requireKeys(t *testing.T, c *bytelru.Cache[string, string], present, absent []string) {
	t.Helper()
	for _, k := range present {
		_, ok := c.Peek(k)
		require.True(t, ok, k)
	}
	for _, k := range absent {
		_, ok := c.Peek(k)
		require.False(t, ok, k)
	}
}

// The least recently used goes first; a Get makes a value recent, a Peek
// does not.
func TestEvictsByCount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		read         func(*bytelru.Cache[string, string], string) (string, bool)
		kept, pushed string
	}{
		{name: "get", read: (*bytelru.Cache[string, string]).Get, kept: "a", pushed: "b"},
		{name: "peek", read: (*bytelru.Cache[string, string]).Peek, kept: "b", pushed: "a"},
	} {
		c := bytelru.New[string](2, 1000, size)
		c.Add("a", "1")
		c.Add("b", "2")
		v, ok := tc.read(c, "a")
		require.True(t, ok, tc.name)
		require.Equal(t, "1", v, tc.name)
		c.Add("c", "3")
		requireKeys(t, c, []string{tc.kept, "c"}, []string{tc.pushed})
		require.Equal(t, 2, c.Len(), tc.name)
		require.Equal(t, 2, c.Bytes(), tc.name)
	}
}

func TestEvictsByBytes(t *testing.T) {
	t.Parallel()
	c := bytelru.New[string](100, 30, size)
	for _, k := range []string{"a", "b", "c", "d"} {
		c.Add(k, strings.Repeat(k, 10))
		require.LessOrEqual(t, c.Bytes(), 30)
	}
	requireKeys(t, c, []string{"b", "c", "d"}, []string{"a"})
	c.Add("e", strings.Repeat("e", 25)) // pushes out as many as it needs
	requireKeys(t, c, []string{"e"}, []string{"b", "c", "d"})
	require.Equal(t, 25, c.Bytes())
}

func TestReplacingCountsOnce(t *testing.T) {
	t.Parallel()
	c := bytelru.New[string](100, 30, size)
	c.Add("a", "1234567890")
	c.Add("a", "12345")
	require.Equal(t, 5, c.Bytes())
	require.Equal(t, 1, c.Len())
	v, _ := c.Get("a")
	require.Equal(t, "12345", v)
}

func TestAnEntryLargerThanTheBudgetIsNotKept(t *testing.T) {
	t.Parallel()
	c := bytelru.New[string](100, 30, size)
	c.Add("a", "1234567890")
	c.Add("huge", strings.Repeat("x", 31))
	requireKeys(t, c, []string{"a"}, []string{"huge"})
	require.Equal(t, 10, c.Bytes(), "and pushes nothing out")

	c.Add("a", strings.Repeat("x", 31))
	requireKeys(t, c, nil, []string{"a"}) // nor keeps the value it replaces
	require.Zero(t, c.Bytes())
}

func TestRemoveFreesItsBytes(t *testing.T) {
	t.Parallel()
	c := bytelru.New[string](100, 30, size)
	c.Add("a", "1234567890")
	c.Add("b", "12345")
	c.Remove("a")
	c.Remove("absent")
	requireKeys(t, c, []string{"b"}, []string{"a"})
	require.Equal(t, 5, c.Bytes())
	c.Add("c", strings.Repeat("c", 25)) // fits in what a freed
	requireKeys(t, c, []string{"b", "c"}, nil)
}

func TestAZeroSizedCacheKeepsNothing(t *testing.T) {
	t.Parallel()
	for _, c := range []*bytelru.Cache[string, string]{
		bytelru.New[string](0, 100, size),
		bytelru.New[string](10, 0, size),
	} {
		c.Add("a", "1")
		_, ok := c.Get("a")
		require.False(t, ok)
		c.Remove("a")
		require.Zero(t, c.Len())
		require.Zero(t, c.Bytes())
	}
}

// Run with -race: the cache serves a handler's concurrent requests.
func TestIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	c := bytelru.New[string](8, 40, size)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := string(rune('a' + i))
			for range 200 {
				c.Add(k, "0123456789")
				c.Get(k)
				c.Peek(k)
				c.Remove(k)
			}
		}()
	}
	wg.Wait()
	require.Zero(t, c.Bytes())
}
