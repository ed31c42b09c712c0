package eventstoretest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/eventstore"
)

func testScans(t *testing.T, h Harness) {
	t.Run("ScanStreamsAndReadRange", func(t *testing.T) { scanScanStreamsAndReadRange(t, h) })

	t.Run("RebuildViews", func(t *testing.T) { scanRebuildViews(t, h) })
	t.Run("SettledHead", func(t *testing.T) { scanSettledHead(t, h) })
}

// With no append in flight, the settled head is the head.
func scanSettledHead(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	head, err := s.SettledHead(ctx)
	require.NoError(t, err)
	require.Zero(t, head)
	res, err := s.Append(ctx, appendParams("s-a", 0, 3))
	require.NoError(t, err)
	head, err = s.SettledHead(ctx)
	require.NoError(t, err)
	require.Equal(t, res.Events[2].Position, head)
}

func scanScanStreamsAndReadRange(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	var all []eventstore.RecordedEvent
	heads := map[string]int64{}
	for _, stream := range []string{"s-b", "s-a", "s-b", "s-c", "s-a"} {
		res, err := s.Append(ctx, appendParams(stream, heads[stream], 2))
		require.NoError(t, err)
		heads[stream] = res.Version()
		all = append(all, res.Events...)
	}
	var scanned []eventstore.RecordedEvent
	p := &eventstore.ScanStreamsParams{Limit: 3}
	for {
		page, err := s.ScanStreams(ctx, p)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		scanned = append(scanned, page...)
		p.AfterStream, p.AfterVersion = page[len(page)-1].StreamID, page[len(page)-1].Version
	}
	require.Len(t, scanned, len(all))
	for i := 1; i < len(scanned); i++ {
		a, b := scanned[i-1], scanned[i]
		require.True(t, a.StreamID < b.StreamID || a.StreamID == b.StreamID && a.Version+1 == b.Version,
			"%s/%d then %s/%d", a.StreamID, a.Version, b.StreamID, b.Version)
	}

	got, err := s.ReadRange(ctx, &eventstore.ReadRangeParams{From: all[2].Position, To: all[5].Position})
	require.NoError(t, err)
	require.Equal(t, all[2:6], got)
	tail, err := s.ReadRange(ctx, &eventstore.ReadRangeParams{From: all[8].Position, Limit: 10})
	require.NoError(t, err)
	require.Equal(t, all[8:], tail)
}

func scanRebuildViews(t *testing.T, h Harness) {
	t.Parallel()
	ctx := context.Background()
	s := h.New(t)
	for i := 0; i < 5; i++ {
		p := appendParams(fmt.Sprintf("v-%d", i), eventstore.NoStream, 1)
		p.View = &eventstore.View{ListKey: "a1", Document: []byte(fmt.Sprintf(`{"live":%d}`, i))}
		_, err := s.Append(ctx, p)
		require.NoError(t, err)
	}
	r, err := s.RebuildViews(ctx)
	require.NoError(t, err)
	// The fresh views differ from the live ones (as if the live ones
	// were broken): odd ones are listed nowhere. v-4 is missing from
	// them.
	var fresh []eventstore.StreamView
	for i := 0; i < 4; i++ {
		key := "a1"
		if i%2 == 1 {
			key = ""
		}
		fresh = append(fresh, eventstore.StreamView{StreamID: fmt.Sprintf("v-%d", i), Version: 1,
			View: eventstore.View{ListKey: key, Document: []byte(fmt.Sprintf(`{"fresh":%d}`, i))}})
	}
	// Put stores the detail and its version as given; v-1 has none, as
	// a view stored whole.
	fresh[0].Detail, fresh[0].DetailVersion = []byte(`{"first detail": 0}`), 1
	fresh[2].Detail, fresh[2].DetailVersion = []byte(`{"fresh detail": 2}`), 1
	require.NoError(t, r.Put(ctx, fresh))
	// A second Put of a stream replaces its detail too.
	again := fresh[0]
	again.Detail = []byte(`{"fresh detail": 0}`)
	require.NoError(t, r.Put(ctx, []eventstore.StreamView{again}))
	// A stream changes during the rebuild: its live version moves on.
	p := appendParams("v-2", 1, 1)
	p.View = &eventstore.View{Document: []byte(`{"live":"v-2 after"}`)}
	_, err = s.Append(ctx, p)
	require.NoError(t, err)

	var refolded []string
	err = r.Swap(ctx, func(_ context.Context, ids []string) ([]eventstore.StreamView, error) {
		refolded = ids
		var out []eventstore.StreamView
		for _, id := range ids {
			v, err := s.View(ctx, &eventstore.ViewParams{StreamID: id})
			if err != nil {
				return nil, err
			}
			v.Document = []byte(`{"refolded":true}`)
			v.Detail, v.DetailVersion = []byte(`{"refolded detail":true}`), v.Version
			out = append(out, *v)
		}
		return out, nil
	})
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"v-2", "v-4"}, refolded, "streams whose versions differ are refolded")

	views, err := s.ScanViews(ctx, &eventstore.ScanViewsParams{Limit: 100})
	require.NoError(t, err)
	got := map[string]string{}
	for _, v := range views {
		got[v.StreamID] = string(v.Document)
	}
	require.Equal(t, map[string]string{
		"v-0": `{"fresh":0}`, "v-1": `{"fresh":1}`, "v-3": `{"fresh":3}`,
		"v-2": `{"refolded":true}`, "v-4": `{"refolded":true}`,
	}, got)
	v2, err := s.View(ctx, &eventstore.ViewParams{StreamID: "v-2"})
	require.NoError(t, err)
	require.Equal(t, int64(2), v2.Version)
	require.Equal(t, []byte(`{"refolded detail":true}`), v2.Detail, "refolded details are swapped in")
	require.Equal(t, int64(2), v2.DetailVersion)
	v0, err := s.View(ctx, &eventstore.ViewParams{StreamID: "v-0"})
	require.NoError(t, err)
	require.Equal(t, eventstore.View{ListKey: "a1", Document: []byte(`{"fresh":0}`),
		Detail: []byte(`{"fresh detail": 0}`), DetailVersion: 1}, v0.View, "put details are swapped in")
	v1, err := s.View(ctx, &eventstore.ViewParams{StreamID: "v-1"})
	require.NoError(t, err)
	require.Nil(t, v1.Detail)
	require.Zero(t, v1.DetailVersion)
	listed, err := s.ListViews(ctx, &eventstore.ListViewsParams{ListKey: "a1"})
	require.NoError(t, err)
	var ids []string
	for _, v := range listed {
		ids = append(ids, v.StreamID)
	}
	require.Equal(t, []string{"v-0", "v-4"}, ids, "the swapped-in views keep their list keys")

	// Appends keep writing views after the swap.
	p = appendParams("v-5", eventstore.NoStream, 1)
	p.View = &eventstore.View{ListKey: "a1", Document: []byte(`{}`)}
	_, err = s.Append(ctx, p)
	require.NoError(t, err)
	_, err = s.View(ctx, &eventstore.ViewParams{StreamID: "v-5"})
	require.NoError(t, err)
}
