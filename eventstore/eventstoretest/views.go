package eventstoretest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

func testViews(t *testing.T, h Harness) {
	t.Run("WrittenWithTheAppend", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := h.New(t)
		view := func() (*eventstore.StreamView, error) {
			return s.View(ctx, &eventstore.ViewParams{StreamID: "v1"})
		}
		_, err := view()
		require.ErrorIs(t, err, eventstore.ErrNotFound)

		p := appendParams("v1", eventstore.NoStream, 1)
		p.View = &eventstore.View{ListKey: "a1", Document: []byte(`{"state":"Chatting"}`)}
		_, err = s.Append(ctx, p)
		require.NoError(t, err)
		v, err := view()
		require.NoError(t, err)
		require.Equal(t, &eventstore.StreamView{StreamID: "v1", Version: 1, View: *p.View}, v)

		p = appendParams("v1", 1, 2)
		p.View = &eventstore.View{Document: []byte(`{"state":"Completed"}`)}
		_, err = s.Append(ctx, p)
		require.NoError(t, err)
		v, err = view()
		require.NoError(t, err)
		require.Equal(t, int64(3), v.Version)
		require.JSONEq(t, `{"state":"Completed"}`, string(v.Document))
		require.Empty(t, v.ListKey, "the list key is replaced along with the document")

		// A failed append leaves the view alone.
		p = appendParams("v1", 1, 1)
		p.View = &eventstore.View{ListKey: "a1", Document: []byte(`{"state":"lost"}`)}
		_, err = s.Append(ctx, p)
		require.ErrorIs(t, err, eventstore.ErrConcurrency)
		v, err = view()
		require.NoError(t, err)
		require.Equal(t, int64(3), v.Version)
		require.Empty(t, v.ListKey)
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := h.New(t)
		for _, v := range []struct{ stream, key string }{{"b", "a1"}, {"a", ""}, {"c", "a1"}, {"d", "a2"}} {
			p := appendParams(v.stream, eventstore.NoStream, 1)
			p.View = &eventstore.View{ListKey: v.key, Document: []byte(`{}`)}
			_, err := s.Append(ctx, p)
			require.NoError(t, err)
		}
		list := func(key string) []string {
			views, err := s.ListViews(ctx, &eventstore.ListViewsParams{ListKey: key})
			require.NoError(t, err)
			var ids []string
			for _, v := range views {
				require.Equal(t, key, v.ListKey)
				ids = append(ids, v.StreamID)
			}
			return ids
		}
		require.Equal(t, []string{"b", "c"}, list("a1"), "in stream id order")
		require.Equal(t, []string{"d"}, list("a2"))
		require.Empty(t, list(""), "an empty key lists a view nowhere")
		require.Empty(t, list("nobody"))

		// A view leaves its list when an append gives it another key.
		p := appendParams("b", 1, 1)
		p.View = &eventstore.View{Document: []byte(`{}`)}
		_, err := s.Append(ctx, p)
		require.NoError(t, err)
		require.Equal(t, []string{"c"}, list("a1"))
		require.Empty(t, list(""))
	})

	t.Run("ListPages", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := h.New(t)
		// "B" sorts before "a" bytewise, after it in most collations.
		for _, id := range []string{"a", "B", "c", "_d", "e"} {
			p := appendParams(id, eventstore.NoStream, 1)
			p.View = &eventstore.View{ListKey: "a1", Document: []byte(`{}`)}
			_, err := s.Append(ctx, p)
			require.NoError(t, err)
		}
		var pages [][]string
		after := ""
		for {
			views, err := s.ListViews(ctx, &eventstore.ListViewsParams{ListKey: "a1", After: after, Limit: 2})
			require.NoError(t, err)
			if len(views) == 0 {
				break
			}
			var ids []string
			for _, v := range views {
				ids = append(ids, v.StreamID)
			}
			pages = append(pages, ids)
			after = ids[len(ids)-1]
		}
		require.Equal(t, [][]string{{"B", "_d"}, {"a", "c"}, {"e"}}, pages, "pages of 2, in bytewise order")
	})
}
