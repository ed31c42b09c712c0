package eventstoretest

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

func testViews(t *testing.T, h Harness) {
	t.Run("WrittenWithTheAppend", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := h.New(t)
		_, err := s.View(ctx, "v1")
		require.ErrorIs(t, err, eventstore.ErrNotFound)

		p := appendParams("v1", eventstore.NoStream, 1)
		p.View = &eventstore.View{Owner: "a1", Active: true, Document: []byte(`{"state":"Chatting"}`)}
		_, err = s.Append(ctx, p)
		require.NoError(t, err)
		v, err := s.View(ctx, "v1")
		require.NoError(t, err)
		require.Equal(t, &eventstore.StreamView{StreamID: "v1", Version: 1, View: *p.View}, v)

		p = appendParams("v1", 1, 2)
		p.View = &eventstore.View{Owner: "a1", Active: false, Document: []byte(`{"state":"Completed"}`)}
		_, err = s.Append(ctx, p)
		require.NoError(t, err)
		v, err = s.View(ctx, "v1")
		require.NoError(t, err)
		require.Equal(t, int64(3), v.Version)
		require.JSONEq(t, `{"state":"Completed"}`, string(v.Document))

		// A failed append leaves the view alone.
		p = appendParams("v1", 1, 1)
		p.View = &eventstore.View{Owner: "a1", Active: true, Document: []byte(`{"state":"lost"}`)}
		_, err = s.Append(ctx, p)
		require.ErrorIs(t, err, eventstore.ErrConcurrency)
		v, err = s.View(ctx, "v1")
		require.NoError(t, err)
		require.Equal(t, int64(3), v.Version)
		require.False(t, v.Active)
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := h.New(t)
		for _, v := range []struct {
			stream, owner string
			active        bool
		}{{"b", "a1", true}, {"a", "a1", false}, {"c", "a1", true}, {"d", "a2", true}} {
			p := appendParams(v.stream, eventstore.NoStream, 1)
			p.View = &eventstore.View{Owner: v.owner, Active: v.active, Document: []byte(`{}`)}
			_, err := s.Append(ctx, p)
			require.NoError(t, err)
		}
		ids := func(views []eventstore.StreamView) (out []string) {
			for _, v := range views {
				out = append(out, v.StreamID)
			}
			return out
		}
		all, err := s.ListViews(ctx, &eventstore.ListViewsParams{Owner: "a1"})
		require.NoError(t, err)
		require.Equal(t, []string{"a", "b", "c"}, ids(all))
		active, err := s.ListViews(ctx, &eventstore.ListViewsParams{Owner: "a1", ActiveOnly: true})
		require.NoError(t, err)
		require.Equal(t, []string{"b", "c"}, ids(active))
		none, err := s.ListViews(ctx, &eventstore.ListViewsParams{Owner: "nobody"})
		require.NoError(t, err)
		require.Empty(t, none)
	})

	t.Run("Sequence", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := h.New(t)
		first, err := s.ReserveSequence(ctx, "ref", 10)
		require.NoError(t, err)
		require.Equal(t, int64(1), first)
		other, err := s.ReserveSequence(ctx, "other", 1)
		require.NoError(t, err)
		require.Equal(t, int64(1), other, "sequences are independent")

		// Concurrent reservations never overlap.
		var (
			mu    sync.Mutex
			wg    sync.WaitGroup
			taken = map[int64]bool{}
		)
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				first, err := s.ReserveSequence(ctx, "ref", 5)
				if !assertNoError(t, err) {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				for v := first; v < first+5; v++ {
					if taken[v] {
						t.Errorf("value %d handed out twice", v)
					}
					taken[v] = true
				}
			}()
		}
		wg.Wait()
		require.Len(t, taken, 100)
		for v := int64(11); v <= 110; v++ {
			require.True(t, taken[v], "value %d skipped", v)
		}
		_, err = s.ReserveSequence(ctx, "ref", 0)
		require.ErrorIs(t, err, eventstore.ErrInvalid)
	})
}

func assertNoError(t *testing.T, err error) bool {
	t.Helper()
	if err != nil {
		t.Errorf("unexpected error: %v", err)
		return false
	}
	return true
}
