package projections_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/projections"
)

// countingStore counts the reads of streams a notifier makes, and the
// streams they read, and its reads of views.
type countingStore struct {
	eventstore.Driver
	reads, streams, viewReads atomic.Int64
}

func (s *countingStore) ReadViews(ctx context.Context, p *eventstore.ReadViewsParams) ([]eventstore.StreamView, error) {
	s.viewReads.Add(1)
	return s.Driver.ReadViews(ctx, p)
}

func (s *countingStore) ReadStreams(ctx context.Context, p *eventstore.ReadStreamsParams) ([]eventstore.RecordedEvent, error) {
	s.reads.Add(1)
	s.streams.Add(int64(len(p.StreamIDs)))
	return s.Driver.ReadStreams(ctx, p)
}

// TestNotifierFollowsSessionsWithoutReadingThem: a notifier that saw a
// session's intake builds the Complete's notification from its own state,
// byte for byte what a notifier that must read the stream builds.
func TestNotifierFollowsSessionsWithoutReadingThem(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newSQLiteStore(t)
	cmds := commands.NewHandler(store)
	f := &fixture{t: t, store: store, cmds: cmds, prefix: "gws.v2"}
	f.start("s1", "a1")
	f.start("s2", "a2")
	q := "PostProcessingQueue"
	_, err := cmds.Complete(ctx, commands.Request{Actor: "a1"}, "s1", fb.Complete{})
	require.NoError(t, err)
	_, err = cmds.Complete(ctx, commands.Request{Actor: "a2"}, "s2", fb.Complete{QueueName: &q})
	require.NoError(t, err)
	feed, err := store.ReadFeed(ctx, &eventstore.ReadFeedParams{})
	require.NoError(t, err)
	require.Len(t, feed, 6)
	intakes, completes := feed[:2], feed[2:]

	following := &countingStore{Driver: store}
	n, err := projections.NewNotifier(projections.NotifierConfig{Store: following})
	require.NoError(t, err)
	first, err := n.Messages(ctx, intakes)
	require.NoError(t, err)
	require.Len(t, first, 4, "each to its agent and to the integration side")
	followed, err := n.Messages(ctx, completes)
	require.NoError(t, err)
	require.Zero(t, following.reads.Load(), "intakes and the Completes after them need no stream read")
	require.Equal(t, int64(1), following.viewReads.Load(), "the user data the Completes show is read from the views, at once")

	fresh := &countingStore{Driver: store}
	n2, err := projections.NewNotifier(projections.NotifierConfig{Store: fresh})
	require.NoError(t, err)
	read, err := n2.Messages(ctx, completes)
	require.NoError(t, err)
	require.Equal(t, int64(1), fresh.reads.Load(), "a notifier that did not see the intakes reads both streams at once")

	require.Len(t, followed, 4)
	require.Len(t, read, 4)
	for i := range read {
		require.Equal(t, read[i].Subject, followed[i].Subject)
		require.Equal(t, string(read[i].Data), string(followed[i].Data), "byte for byte, user data included")
		require.Contains(t, string(followed[i].Data), `"state":"Completed"`)
		require.Contains(t, string(followed[i].Data), string(seedUserData(t)))
	}

	// Seen again (a page retried after a failure), the Completes are read:
	// the session is no longer followed once completed.
	again, err := n.Messages(ctx, completes)
	require.NoError(t, err)
	require.Equal(t, int64(1), following.reads.Load())
	require.Len(t, again, 4)
	for i := range again {
		require.JSONEq(t, string(read[i].Data), string(again[i].Data))
	}
}

// A notifier that lags behind a change of the user data cannot take it
// from the view, which is newer: it reads the stream, and each
// notification shows the user data as of its own change.
func TestNotifierBehindAUserDataChangeReadsTheStream(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newSQLiteStore(t)
	cmds := commands.NewHandler(store)
	_, err := cmds.Start(ctx, commands.Request{Actor: "router"}, fb.Start{
		SessionID: "s1", AgentID: "a1", UserData: []byte(`{"FirstName":"Vitaliy"}`), Status: fb.StatusInvited,
		Participants: []fb.Participant{{Nickname: "V", Type: "Customer", ID: "p1", Visibility: "All", ParticipantID: "p1"}},
	})
	require.NoError(t, err)
	intake, err := store.ReadFeed(ctx, &eventstore.ReadFeedParams{})
	require.NoError(t, err)
	following := &countingStore{Driver: store}
	n, err := projections.NewNotifier(projections.NotifierConfig{Store: following})
	require.NoError(t, err)
	_, err = n.Messages(ctx, intake)
	require.NoError(t, err)

	_, err = cmds.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Accept{By: "a1", Nickname: "Anna"})
	require.NoError(t, err)
	_, err = cmds.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.UpdateUserData{By: "a1", UserData: []byte(`{"Added":"<x>"}`)})
	require.NoError(t, err)
	feed, err := store.ReadFeed(ctx, &eventstore.ReadFeedParams{After: intake[len(intake)-1].Cursor()})
	require.NoError(t, err)
	require.Len(t, feed, 2, "OfferAccepted, UserDataUpdated")

	accepted, err := n.Messages(ctx, feed[:1])
	require.NoError(t, err)
	require.Equal(t, int64(1), following.viewReads.Load())
	require.Equal(t, int64(1), following.reads.Load(), "the view's user data changed after the Accept: the stream is read")
	require.NotEmpty(t, accepted)
	for _, m := range accepted {
		require.Contains(t, string(m.Data), `"userData":{"FirstName":"Vitaliy"}`, "as it was at the Accept")
	}
	updated, err := n.Messages(ctx, feed[1:])
	require.NoError(t, err)
	require.Equal(t, int64(2), following.reads.Load(), "the view holds the user data after the update, not before it: the stream is read")
	require.NotEmpty(t, updated)
	for _, m := range updated {
		require.Contains(t, string(m.Data), `"userData":{"FirstName":"Vitaliy","Added":"\u003cx\u003e"}`)
	}
}
