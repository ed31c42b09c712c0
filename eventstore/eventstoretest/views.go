package eventstoretest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

func testViews(t *testing.T, h Harness) {
	t.Run("WrittenWithTheAppend", func(t *testing.T) { viewsWrittenWithTheAppend(t, h) })

	t.Run("Detail", func(t *testing.T) { viewsDetail(t, h) })

	t.Run("FirstViewKeepsNoDetail", func(t *testing.T) { viewsFirstViewKeepsNoDetail(t, h) })

	t.Run("ReadViews", func(t *testing.T) { viewsReadViews(t, h) })

	t.Run("ListAndScanDetails", func(t *testing.T) { viewsListAndScanDetails(t, h) })

	t.Run("List", func(t *testing.T) { viewsList(t, h) })

	t.Run("ListPages", func(t *testing.T) { viewsListPages(t, h) })
}

func viewsWrittenWithTheAppend(t *testing.T, h Harness) {
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
	want := *p.View
	want.DetailVersion = 1 // written by this append, with no detail
	require.Equal(t, &eventstore.StreamView{StreamID: "v1", Version: 1, View: want}, v)

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
}

func viewsDetail(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	version := int64(0)
	write := func(v eventstore.View) *eventstore.StreamView {
		t.Helper()
		expected := version
		if expected == 0 {
			expected = eventstore.NoStream
		}
		p := appendParams("d1", expected, 2)
		p.View = &v
		res, err := s.Append(ctx, p)
		require.NoError(t, err)
		version = res.Version()
		got, err := s.View(ctx, &eventstore.ViewParams{StreamID: "d1"})
		require.NoError(t, err)
		require.Equal(t, version, got.Version)
		return got
	}
	// Not canonical JSON: stored byte for byte, as Document is.
	detail := []byte(`{"b": 1,  "a": [ "x" ]}`)
	v := write(eventstore.View{ListKey: "a1", Document: []byte(`{"n":1}`), Detail: detail})
	require.Equal(t, detail, v.Detail)
	require.Equal(t, int64(2), v.DetailVersion, "the version of the append that wrote it")

	v = write(eventstore.View{ListKey: "a2", Document: []byte(`{"n":2}`), KeepDetail: true})
	require.Equal(t, eventstore.View{ListKey: "a2", Document: []byte(`{"n":2}`), Detail: detail, DetailVersion: 2}, v.View,
		"document and list key replaced, detail kept")
	require.Equal(t, int64(4), v.Version)

	v = write(eventstore.View{ListKey: "a2", Document: []byte(`{"n":3}`), Detail: []byte(`{"c":3}`)})
	require.Equal(t, eventstore.View{ListKey: "a2", Document: []byte(`{"n":3}`), Detail: []byte(`{"c":3}`), DetailVersion: 6}, v.View,
		"a new detail replaces the stored one")

	v = write(eventstore.View{Document: []byte(`{"n":4}`)})
	require.Equal(t, eventstore.View{Document: []byte(`{"n":4}`), DetailVersion: 8}, v.View,
		"a nil detail not kept clears the stored one")

	v = write(eventstore.View{Document: []byte(`{"n":5}`), KeepDetail: true})
	require.Equal(t, eventstore.View{Document: []byte(`{"n":5}`), DetailVersion: 8}, v.View,
		"a kept nil detail stays nil")

	v = write(eventstore.View{Document: []byte(`{"n":6}`), Detail: detail, DetailVersion: 3})
	require.Equal(t, eventstore.View{Document: []byte(`{"n":6}`), Detail: detail, DetailVersion: 3}, v.View,
		"the writer tells since when the detail it gives is what it is")
	for _, bad := range []eventstore.View{
		{Document: []byte(`{}`), Detail: detail, DetailVersion: 15}, // past the append's version, 14
		{Document: []byte(`{}`), Detail: detail, DetailVersion: -1},
		{Document: []byte(`{}`), KeepDetail: true, DetailVersion: 3},
		{Document: []byte(`{}`), KeepDetail: true, Detail: detail},
	} {
		p := appendParams("d1", version, 2)
		p.View = &bad
		_, err := s.Append(ctx, p)
		require.ErrorIs(t, err, eventstore.ErrInvalid, "%+v", bad)
	}
	v = write(eventstore.View{Document: []byte(`{"n":5}`), KeepDetail: true})
	require.Equal(t, int64(3), v.DetailVersion, "nothing was written by the refused appends")
	v = write(eventstore.View{Document: []byte(`{"n":5}`)})
	require.Equal(t, int64(16), v.DetailVersion)

	// A failed append leaves the detail alone.
	p := appendParams("d1", 1, 1)
	p.View = &eventstore.View{Document: []byte(`{}`), Detail: []byte(`{"lost":true}`)}
	_, err := s.Append(ctx, p)
	require.ErrorIs(t, err, eventstore.ErrConcurrency)
	got, err := s.View(ctx, &eventstore.ViewParams{StreamID: "d1"})
	require.NoError(t, err)
	require.Nil(t, got.Detail)
	require.Equal(t, int64(16), got.DetailVersion)
}

func viewsFirstViewKeepsNoDetail(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	p := appendParams("k1", eventstore.NoStream, 3)
	p.View = &eventstore.View{ListKey: "a1", Document: []byte(`{}`), KeepDetail: true}
	_, err := s.Append(ctx, p)
	require.NoError(t, err)
	v, err := s.View(ctx, &eventstore.ViewParams{StreamID: "k1"})
	require.NoError(t, err)
	require.Equal(t, &eventstore.StreamView{StreamID: "k1", Version: 3,
		View: eventstore.View{ListKey: "a1", Document: []byte(`{}`)}}, v, "no detail version: a detail never written is not trusted")
}

func viewsReadViews(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	want := map[string]eventstore.StreamView{}
	for i, id := range []string{"r-a", "r-b", "r-c"} {
		p := appendParams(id, eventstore.NoStream, i+1)
		p.View = &eventstore.View{ListKey: "a1", Document: []byte(fmt.Sprintf(`{"i":%d}`, i))}
		if i != 1 {
			p.View.Detail = []byte(fmt.Sprintf(`{"detail":%d}`, i))
		}
		_, err := s.Append(ctx, p)
		require.NoError(t, err)
		v := *p.View
		v.DetailVersion = int64(i + 1)
		want[id] = eventstore.StreamView{StreamID: id, Version: int64(i + 1), View: v}
	}
	// A stream without a view has none to read.
	_, err := s.Append(ctx, appendParams("r-noview", eventstore.NoStream, 1))
	require.NoError(t, err)

	views, err := s.ReadViews(ctx, &eventstore.ReadViewsParams{StreamIDs: []string{"r-c", "unknown", "r-a", "r-noview", "r-b"}})
	require.NoError(t, err)
	require.ElementsMatch(t, []eventstore.StreamView{want["r-a"], want["r-b"], want["r-c"]}, views)

	views, err = s.ReadViews(ctx, &eventstore.ReadViewsParams{StreamIDs: []string{"r-b", "nothing"}})
	require.NoError(t, err)
	require.Equal(t, []eventstore.StreamView{want["r-b"]}, views)

	views, err = s.ReadViews(ctx, &eventstore.ReadViewsParams{})
	require.NoError(t, err)
	require.Empty(t, views)

	ids := make([]string, eventstore.MaxReadViews)
	for i := range ids {
		ids[i] = fmt.Sprintf("r-%d", i)
	}
	ids[0] = "r-a"
	views, err = s.ReadViews(ctx, &eventstore.ReadViewsParams{StreamIDs: ids})
	require.NoError(t, err, "MaxReadViews ids are allowed")
	require.Equal(t, []eventstore.StreamView{want["r-a"]}, views)
	_, err = s.ReadViews(ctx, &eventstore.ReadViewsParams{StreamIDs: append(ids, "r-b")})
	require.ErrorIs(t, err, eventstore.ErrInvalid)
}

func viewsListAndScanDetails(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	p := appendParams("l-a", eventstore.NoStream, 1)
	p.View = &eventstore.View{ListKey: "a1", Document: []byte(`{"a":1}`), Detail: []byte(`{"d":"a"}`)}
	_, err := s.Append(ctx, p)
	require.NoError(t, err)
	p = appendParams("l-a", 1, 1)
	p.View = &eventstore.View{ListKey: "a1", Document: []byte(`{"a":2}`), KeepDetail: true}
	_, err = s.Append(ctx, p)
	require.NoError(t, err)
	p = appendParams("l-b", eventstore.NoStream, 2)
	p.View = &eventstore.View{ListKey: "a1", Document: []byte(`{"b":1}`)}
	_, err = s.Append(ctx, p)
	require.NoError(t, err)
	want := []eventstore.StreamView{
		{StreamID: "l-a", Version: 2, View: eventstore.View{ListKey: "a1", Document: []byte(`{"a":2}`),
			Detail: []byte(`{"d":"a"}`), DetailVersion: 1}},
		{StreamID: "l-b", Version: 2, View: eventstore.View{ListKey: "a1", Document: []byte(`{"b":1}`), DetailVersion: 2}},
	}

	listed, err := s.ListViews(ctx, &eventstore.ListViewsParams{ListKey: "a1"})
	require.NoError(t, err)
	require.Equal(t, want, listed)
	scanned, err := s.ScanViews(ctx, &eventstore.ScanViewsParams{})
	require.NoError(t, err)
	require.Equal(t, want, scanned)
}

func viewsList(t *testing.T, h Harness) {
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
}

func viewsListPages(t *testing.T, h Harness) {
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
}
