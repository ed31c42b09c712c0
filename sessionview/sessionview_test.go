package sessionview_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/storetest"
	"github.com/fbsession/fbsession/sessionlog"
	"github.com/fbsession/fbsession/sessionview"
)

var chatting = fb.State{
	ID: "s1", AgentID: "a1", Status: fb.StatusChatting, FacebooksessionType: "Inbound",
	Comment: "c", ReceivedDate: "2015-09-02T15:39:22.000+0300", UserData: []byte(`{"z":1441197555620000001,"a":"x"}`),
	Participants: []fb.Participant{{Nickname: "V", Type: "Customer", ID: "p1", Visibility: "All", ParticipantID: "p1"}},
}

// The document is a format on disk that views already written hold, and
// verify compares byte for byte: it is pinned here.
func TestDocumentIsTheStoredFormat(t *testing.T) {
	t.Parallel()
	v, err := sessionview.Encode(chatting)
	require.NoError(t, err)
	whole := `{"id":"s1","agentId":"a1","state":"Chatting","facebooksessionType":"Inbound","comment":"c","receivedDate":"2015-09-02T15:39:22.000+0300","userData":{"z":1441197555620000001,"a":"x"},"participants":[{"nickname":"V","type":"Customer","id":"p1","visibility":"All","participantId":"p1"}]}`
	joined, err := sessionview.Join(v)
	require.NoError(t, err)
	require.Equal(t, whole, string(joined))
	// The user data is kept apart; the document marks its place.
	require.Equal(t, `{"z":1441197555620000001,"a":"x"}`, string(v.Detail))
	require.Equal(t, strings.Replace(whole, string(v.Detail), "null", 1), string(v.Document))
	// A view written before details were kept apart is whole, and reads so.
	old, err := sessionview.Decode(&eventstore.View{Document: []byte(whole)})
	require.NoError(t, err)
	require.Equal(t, chatting, old)
	joined, err = sessionview.Join(&eventstore.View{Document: []byte(whole)})
	require.NoError(t, err)
	require.Equal(t, whole, string(joined))

	// An older binary that writes the whole document leaves the detail
	// beside it, stale: the document's own user data is the session's.
	stale := &eventstore.View{Document: []byte(whole), Detail: []byte(`{"stale":1}`), DetailVersion: 1}
	require.False(t, sessionview.DetailInPlace(stale))
	got, err := sessionview.Decode(stale)
	require.NoError(t, err)
	require.Equal(t, chatting, got)
	joined, err = sessionview.Join(stale)
	require.NoError(t, err)
	require.Equal(t, whole, string(joined))
	require.True(t, sessionview.DetailInPlace(v))

	// A change that leaves the user data writes the document alone.
	kept, err := sessionview.Snapshot{State: chatting, Version: 3}.Slimmed().View()
	require.NoError(t, err)
	require.True(t, kept.KeepDetail)
	require.Nil(t, kept.Detail)
	require.Equal(t, string(v.Document), string(kept.Document))

	done := fb.State{ID: "s2", AgentID: "a1", Status: fb.StatusCompleted, FacebooksessionType: "Inbound", Ended: true, Queue: "Q"}
	v, err = sessionview.Encode(done)
	require.NoError(t, err)
	require.Equal(t, `{"id":"s2","agentId":"a1","state":"Completed","facebooksessionType":"Inbound","ended":true,"queue":"Q"}`, string(v.Document))
}

func TestDecodeIsTheInverseOfEncode(t *testing.T) {
	t.Parallel()
	read := chatting
	read.ReadUpTo, read.DeliveredUpTo = time.Date(2026, 12, 6, 12, 0, 1, 0, time.UTC), time.Date(2026, 12, 6, 12, 0, 2, 0, time.UTC)
	for _, s := range []fb.State{chatting, read, {ID: "s2", AgentID: "a2", Status: fb.StatusCompleted, Ended: true, Queue: "Q"}} {
		v, err := sessionview.Encode(s)
		require.NoError(t, err)
		got, err := sessionview.Decode(v)
		require.NoError(t, err)
		require.Equal(t, s, got)
	}
	_, err := sessionview.Decode(&eventstore.View{Document: []byte(`{"id":`)})
	require.Error(t, err)
}

// A session is listed under its agent until it is completed.
func TestListedUnderItsAgentUntilCompleted(t *testing.T) {
	t.Parallel()
	v, err := sessionview.Encode(chatting)
	require.NoError(t, err)
	require.Equal(t, "a1", v.ListKey)
	done := chatting
	done.Status = fb.StatusCompleted
	v, err = sessionview.Encode(done)
	require.NoError(t, err)
	require.Empty(t, v.ListKey)
}

func TestOfIsWhatTheAppendStored(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		ctx := context.Background()
		h := commands.NewHandler(b.Store)
		_, err := h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: "s1", AgentID: "a1", UserData: []byte(`{"k":"v"}`)})
		require.NoError(t, err)
		events, err := b.Store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID("s1")})
		require.NoError(t, err)
		want, err := sessionview.Of(events)
		require.NoError(t, err)
		stored, err := b.Store.View(ctx, &eventstore.ViewParams{StreamID: sessionlog.StreamID("s1")})
		require.NoError(t, err)
		require.Equal(t, want, *stored)

		_, err = sessionview.Of(nil)
		require.Error(t, err)
	})
}

func TestReader(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		ctx := context.Background()
		h := commands.NewHandler(b.Store)
		r := sessionview.NewReader(b.Store)
		for _, s := range []struct{ id, agent string }{{"s3", "a1"}, {"s1", "a1"}, {"s2", "a1"}, {"s4", "a2"}} {
			_, err := h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: s.id, AgentID: s.agent})
			require.NoError(t, err)
		}
		_, err := h.Operate(ctx, commands.Request{Actor: "a1"}, "s2", fb.Complete{By: "a1"})
		require.NoError(t, err)

		active, more, err := r.Active(ctx, "a1", sessionview.Page{})
		require.NoError(t, err)
		require.False(t, more)
		require.Len(t, active, 2)
		require.Equal(t, "s1", active[0].ID, "in session id order")
		require.Equal(t, "s3", active[1].ID)
		require.Equal(t, fb.StatusChatting, active[0].Status)

		none, _, err := r.Active(ctx, "", sessionview.Page{})
		require.NoError(t, err)
		require.Empty(t, none, "completed sessions are nobody's")

		s2, err := r.Get(ctx, "s2")
		require.NoError(t, err)
		require.Equal(t, fb.StatusCompleted, s2.Status)
		require.True(t, s2.Ended)

		_, err = r.Get(ctx, "nope")
		require.ErrorIs(t, err, fb.ErrNotFound)
	})
}

// An agent's list is answered a page at a time, MaxPage at most, each page
// starting after the last id of the one before.
func TestReaderPages(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, b *storetest.Backend) {
		ctx := context.Background()
		h := commands.NewHandler(b.Store)
		r := sessionview.NewReader(b.Store)
		const n = sessionview.MaxPage + 5
		var want []string
		for i := range n {
			// Ids whose byte order is not every collation's order.
			id := fmt.Sprintf("%c%03d", "aB_-"[i%4], i)
			want = append(want, id)
			_, err := h.Start(ctx, commands.Request{Actor: "router"}, fb.Start{Status: fb.StatusChatting, SessionID: id, AgentID: "a1"})
			require.NoError(t, err)
		}
		sort.Strings(want)

		first, more, err := r.Active(ctx, "a1", sessionview.Page{Limit: 1000})
		require.NoError(t, err)
		require.True(t, more)
		require.Len(t, first, sessionview.MaxPage, "a page holds MaxPage at most")

		var got []string
		page := sessionview.Page{Limit: 7}
		for {
			sessions, more, err := r.Active(ctx, "a1", page)
			require.NoError(t, err)
			require.LessOrEqual(t, len(sessions), 7)
			for _, s := range sessions {
				got = append(got, s.ID)
			}
			if !more {
				break
			}
			page.After = sessions[len(sessions)-1].ID
		}
		require.Equal(t, want, got)

		rest, more, err := r.Active(ctx, "a1", sessionview.Page{After: want[n-3]})
		require.NoError(t, err)
		require.False(t, more)
		require.Len(t, rest, 2)
		rest, _, err = r.Active(ctx, "a1", sessionview.Page{After: "zzz"})
		require.NoError(t, err)
		require.Empty(t, rest)
	})
}
