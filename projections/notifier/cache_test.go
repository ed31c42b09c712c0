package notifier_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/projections/notifier"
)

// countingStore counts the reads of streams a notifier makes, and the
// streams they read, and its reads of views. With viewsAhead, its views
// read a version ahead of the store's, as when later changes, none of the
// user data, landed after the ones being notified: the notifier then folds.
type countingStore struct {
	eventstore.Driver
	reads, streams, viewReads atomic.Int64
	viewsAhead                atomic.Bool
}

func (s *countingStore) ReadViews(ctx context.Context, p *eventstore.ReadViewsParams) ([]eventstore.StreamView, error) {
	s.viewReads.Add(1)
	views, err := s.Driver.ReadViews(ctx, p)
	if s.viewsAhead.Load() {
		for i := range views {
			views[i].Version++
		}
	}
	return views, err
}

// viewsMovedOn is a countingStore whose views are a version ahead.
func viewsMovedOn(store eventstore.Driver) *countingStore {
	s := &countingStore{Driver: store}
	s.viewsAhead.Store(true)
	return s
}

// ReadStream counts as one read too: an Accept reads the end of its
// session's stream that way.
func (s *countingStore) ReadStream(ctx context.Context, p *eventstore.ReadStreamParams) ([]eventstore.RecordedEvent, error) {
	s.reads.Add(1)
	s.streams.Add(1)
	return s.Driver.ReadStream(ctx, p)
}

func (s *countingStore) ReadStreams(ctx context.Context, p *eventstore.ReadStreamsParams) ([]eventstore.RecordedEvent, error) {
	s.reads.Add(1)
	s.streams.Add(int64(len(p.StreamIDs)))
	return s.Driver.ReadStreams(ctx, p)
}

// twoCompleted is a store holding two seed sessions, one completed, one
// queued, and the feed's intakes and Completes.
func twoCompleted(t *testing.T) (store eventstore.Driver, intakes, completes []eventstore.RecordedEvent) {
	t.Helper()
	ctx := context.Background()
	store = newSQLiteStore(t)
	cmds := commands.NewHandler(store)
	f := &fixture{t: t, store: store, cmds: cmds, prefix: "gws.v2"}
	f.start("s1", "a1")
	f.start("s2", "a2")
	q := "PostProcessingQueue"
	_, err := cmds.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Complete{By: "a1"})
	require.NoError(t, err)
	_, err = cmds.Operate(ctx, commands.Request{Actor: "a2"}, "s2", fb.Complete{By: "a2", QueueName: &q})
	require.NoError(t, err)
	feed, err := store.ReadFeed(ctx, &eventstore.ReadFeedParams{})
	require.NoError(t, err)
	require.Len(t, feed, 6)
	return store, feed[:2], feed[2:]
}

// TestNotifierFollowsSessionsWithoutReadingThem: a notifier that saw a
// session's intake, and cannot take the state from the view, builds the
// Complete's notification from its own state, byte for byte what a
// notifier that must read the stream builds.
func TestNotifierFollowsSessionsWithoutReadingThem(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, intakes, completes := twoCompleted(t)

	following := viewsMovedOn(store)
	n, err := notifier.New(notifier.Config{Store: following})
	require.NoError(t, err)
	first, err := n.Messages(ctx, intakes)
	require.NoError(t, err)
	require.Len(t, first, 4, "each to its agent and to the integration side")
	followed, err := n.Messages(ctx, completes)
	require.NoError(t, err)
	require.Zero(t, following.reads.Load(), "intakes and the Completes after them need no stream read")
	require.Equal(t, int64(2), following.viewReads.Load(), "the views of each page read at once")

	fresh := viewsMovedOn(store)
	n2, err := notifier.New(notifier.Config{Store: fresh})
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
	// The intake folded, as when its view had moved on: the notifier
	// follows the session from there.
	following := viewsMovedOn(store)
	n, err := notifier.New(notifier.Config{Store: following})
	require.NoError(t, err)
	_, err = n.Messages(ctx, intake)
	require.NoError(t, err)
	following.viewsAhead.Store(false)

	_, err = cmds.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.Accept{By: "a1", Nickname: "Anna"})
	require.NoError(t, err)
	_, err = cmds.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.UpdateUserData{By: "a1", UserData: []byte(`{"Added":"<x>"}`)})
	require.NoError(t, err)
	feed, err := store.ReadFeed(ctx, &eventstore.ReadFeedParams{After: intake[len(intake)-1].Cursor()})
	require.NoError(t, err)
	require.Len(t, feed, 2, "OfferAccepted, UserDataUpdated")

	accepted, err := n.Messages(ctx, feed[:1])
	require.NoError(t, err)
	require.Equal(t, int64(2), following.viewReads.Load())
	require.Equal(t, int64(1), following.reads.Load(), "the view's user data changed after the Accept: the stream is read")
	require.NotEmpty(t, accepted)
	for _, m := range accepted {
		require.Contains(t, string(m.Data), `"userData":{"FirstName":"Vitaliy"}`, "as it was at the Accept")
	}
	updated, err := n.Messages(ctx, feed[1:])
	require.NoError(t, err)
	require.Equal(t, int64(1), following.reads.Load(), "the update is the view's last change: made from the view")
	require.NotEmpty(t, updated)
	for _, m := range updated {
		require.Contains(t, string(m.Data), `"userData":{"FirstName":"Vitaliy","Added":"\u003cx\u003e"}`)
	}
}

// A change that is its session's last, as the view holds it, is notified
// from the view: no stream read and nothing kept, even by a notifier that
// never saw the session; byte for byte what folding the stream makes.
func TestNotifierMakesTheLastChangeFromTheView(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, completes := twoCompleted(t)

	viewing := &countingStore{Driver: store}
	n, err := notifier.New(notifier.Config{Store: viewing})
	require.NoError(t, err)
	viewed, err := n.Messages(ctx, completes)
	require.NoError(t, err)
	require.Zero(t, viewing.reads.Load(), "made from the views")
	require.Equal(t, int64(1), viewing.viewReads.Load())

	folding := viewsMovedOn(store)
	n2, err := notifier.New(notifier.Config{Store: folding})
	require.NoError(t, err)
	folded, err := n2.Messages(ctx, completes)
	require.NoError(t, err)
	require.Equal(t, int64(1), folding.reads.Load(), "folded from the streams")

	require.Len(t, viewed, 4)
	for i := range folded {
		require.Equal(t, folded[i].Subject, viewed[i].Subject)
		require.Equal(t, folded[i].Header, viewed[i].Header)
		require.Equal(t, string(folded[i].Data), string(viewed[i].Data))
	}
	require.Contains(t, string(viewed[2].Data), `"state":"Completed"`)
	require.Contains(t, string(viewed[2].Data), string(seedUserData(t)))
}

// A change notified from the view is followed too: the session's next
// change, which its view has moved past by the time it is notified (a
// chat in full flow), folds onto it without reading the stream.
func TestNotifierFollowsWhatTheViewServed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newSQLiteStore(t)
	cmds := commands.NewHandler(store)
	f := &fixture{t: t, store: store, cmds: cmds, prefix: "gws.v2"}
	f.start("s1", "a1")
	intake, err := store.ReadFeed(ctx, &eventstore.ReadFeedParams{})
	require.NoError(t, err)
	counting := &countingStore{Driver: store}
	n, err := notifier.New(notifier.Config{Store: counting})
	require.NoError(t, err)
	_, err = n.Messages(ctx, intake)
	require.NoError(t, err)

	for _, text := range []string{"one", "two"} {
		_, err = cmds.Operate(ctx, commands.Request{Actor: "a1"}, "s1", fb.SendMessage{By: "a1", Text: text})
		require.NoError(t, err)
	}
	feed, err := store.ReadFeed(ctx, &eventstore.ReadFeedParams{After: intake[len(intake)-1].Cursor()})
	require.NoError(t, err)
	require.Len(t, feed, 2)
	first, err := n.Messages(ctx, feed[:1])
	require.NoError(t, err)
	require.Zero(t, counting.reads.Load(), "folded onto the state the view served")
	require.Contains(t, string(first[0].Data), `"text":"one"`)
	second, err := n.Messages(ctx, feed[1:])
	require.NoError(t, err)
	require.Zero(t, counting.reads.Load())
	require.Contains(t, string(second[0].Data), `"text":"two"`)
}
