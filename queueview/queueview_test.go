package queueview_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/domain/queue"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/queueview"
)

// A live queue is listed; a removed one is not, and its view says so.
func TestEncodeListsLiveQueuesOnly(t *testing.T) {
	live := queue.State{ID: "1", Name: "Q", OfferTimeoutSeconds: 30, NoAnswerNotReady: true}
	v, err := queueview.Encode(live)
	require.NoError(t, err)
	require.Equal(t, queueview.ListKey, v.ListKey)
	require.JSONEq(t, `{"id":"1","name":"Q","offerTimeoutSeconds":30,"noAnswerNotReady":true,"members":[]}`, string(v.Document))
	back, err := queueview.Decode(v)
	require.NoError(t, err)
	require.Equal(t, queue.State{ID: "1", Name: "Q", OfferTimeoutSeconds: 30, NoAnswerNotReady: true, Members: []string{}}, back)

	live.Removed = true
	v, err = queueview.Encode(live)
	require.NoError(t, err)
	require.Empty(t, v.ListKey)
}

// views is an in-memory store of views, listed in stream id order.
type views map[string]eventstore.StreamView

func (m views) View(_ context.Context, p *eventstore.ViewParams) (*eventstore.StreamView, error) {
	v, ok := m[p.StreamID]
	if !ok {
		return nil, eventstore.ErrNotFound
	}
	return &v, nil
}

func (m views) ListViews(_ context.Context, p *eventstore.ListViewsParams) ([]eventstore.StreamView, error) {
	var out []eventstore.StreamView
	for _, v := range m {
		if v.ListKey == p.ListKey && v.StreamID > p.After {
			out = append(out, v)
		}
	}
	return out, nil
}

func TestLookup(t *testing.T) {
	m := views{}
	for _, s := range []queue.State{
		{ID: "1", Name: "Sales"},
		{ID: "2", Name: "Old", Removed: true},
		{ID: "12", Name: "Q.12"},
	} {
		v, err := queueview.Encode(s)
		require.NoError(t, err)
		m["queue-"+s.Name] = eventstore.StreamView{StreamID: "queue-" + s.Name, Version: 1, View: *v}
	}
	r := queueview.NewReader(m)
	ctx := context.Background()
	for key, want := range map[string]string{"Sales": "Sales", "1": "Sales", "12": "Q.12", "Q.12": "Q.12"} {
		s, err := r.Lookup(ctx, key)
		require.NoError(t, err, key)
		require.Equal(t, want, s.Name, key)
	}
	for _, key := range []string{"Old", "2", "sales", "", "01", "3", "queue-Sales", "../Sales"} {
		_, err := r.Lookup(ctx, key)
		require.ErrorIs(t, err, queue.ErrUnknownQueue, key)
	}
}
